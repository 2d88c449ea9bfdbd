/**
 * The pages of a stack loaded with hostile files, opened in headless Chromium (Debian's, driven by
 * playwright-core): no dialog may open, no injected script may run (the payloads set `window.__pwned`, call
 * alert, or request a `__pwned` URL), and the DOM may hold no script, event handler or script URL. Each page
 * is opened twice: as served (with its Content-Security-Policy) and with CSP bypassed, so that escaping alone
 * is shown to be enough.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { PWNED } from './hostile/payloads.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** As node.md prescribes for this machine: no sandbox as root, no background traffic to a closed network. */
const FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageCheck {
  url: string;
  mode: 'as served' | 'CSP bypassed';
  status: number;
  dialogs: string[];
  /** `window.__pwned` after load, if anything set it. */
  pwned?: string;
  beacons: string[];
  pageErrors: string[];
  cspViolations: number;
  scripts: number;
  handlers: string[];
  scriptUrls: string[];
}

export interface BrowserResult {
  ran: boolean;
  /** Why it did not run, and how to make it run. */
  skipped?: string;
  chromium?: string;
  pages: number;
  checks: PageCheck[];
  /** The checks with anything executed, opened, requested or present that should not be. */
  failures: PageCheck[];
}

/** Run in the page (as text: this project compiles without the DOM types). */
const IN_PAGE = `(() => {
  const handlers = [];
  const scriptUrls = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) handlers.push('<' + el.tagName.toLowerCase() + ' ' + a.name + '>');
      if (/^(href|src|action|formaction|data|xlink:href)$/i.test(a.name) && /^\\s*(javascript|vbscript|data:text)/i.test(a.value))
        scriptUrls.push('<' + el.tagName.toLowerCase() + ' ' + a.name + '="' + a.value.slice(0, 60) + '">');
    }
  }
  const marker = window['${PWNED}'];
  return { pwned: marker === undefined ? undefined : String(marker), scripts: document.scripts.length, handlers, scriptUrls };
})()`;

const failed = (c: PageCheck) =>
  c.status !== 200 ||
  c.dialogs.length > 0 ||
  c.pwned !== undefined ||
  c.beacons.length > 0 ||
  c.pageErrors.length > 0 ||
  c.scripts > 0 ||
  c.handlers.length > 0 ||
  c.scriptUrls.length > 0;

export async function checkPages(baseUrl: string, paths: string[]): Promise<BrowserResult> {
  if (!existsSync(CHROMIUM)) {
    return {
      ran: false,
      skipped: `no Chromium at ${CHROMIUM}: install Debian's package (sudo apt-get install -y chromium) or set CHROMIUM_PATH`,
      pages: paths.length,
      checks: [],
      failures: [],
    };
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const checks: PageCheck[] = [];
  try {
    for (const mode of ['as served', 'CSP bypassed'] as const) {
      const context = await browser.newContext({
        bypassCSP: mode === 'CSP bypassed',
        javaScriptEnabled: true,
      });
      for (const path of paths) {
        const page = await context.newPage();
        const url = new URL(path, baseUrl).href;
        const check: PageCheck = {
          url: path,
          mode,
          status: 0,
          dialogs: [],
          beacons: [],
          pageErrors: [],
          cspViolations: 0,
          scripts: 0,
          handlers: [],
          scriptUrls: [],
        };
        page.on('dialog', (d) => {
          check.dialogs.push(`${d.type()}: ${d.message()}`);
          void d.dismiss().catch(() => {});
        });
        page.on('request', (r) => {
          if (r.url().includes(PWNED)) check.beacons.push(r.url());
        });
        page.on('pageerror', (e) => check.pageErrors.push(e.message));
        page.on('console', (m) => {
          if (/Content Security Policy/i.test(m.text())) check.cspViolations++;
        });
        const res = await page.goto(url, { waitUntil: 'load' });
        check.status = res?.status() ?? 0;
        // Let deferred handlers (onerror of broken images, ontoggle, meta refresh) have their turn.
        await page.waitForTimeout(250);
        const seen = (await page.evaluate(IN_PAGE)) as Pick<
          PageCheck,
          'pwned' | 'scripts' | 'handlers' | 'scriptUrls'
        >;
        Object.assign(check, seen);
        checks.push(check);
        await page.close();
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return {
    ran: true,
    chromium: browser.version(),
    pages: paths.length,
    checks,
    failures: checks.filter(failed),
  };
}
