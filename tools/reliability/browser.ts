/**
 * The hostile check's pages in headless Chromium (Debian's, driven by playwright-core), each opened as served
 * and with CSP bypassed, so that escaping alone is shown to be enough (what they must not do:
 * docs/RELIABILITY.md).
 */
import { existsSync } from 'node:fs';
import { type BrowserContext, chromium } from 'playwright-core';
import { PWNED } from './hostile/payloads.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Quiet on a closed network: no GPU, no QUIC, no background traffic, updates or sync. */
const DISABLED = 'gpu quic background-networking component-update sync'.split(' ');
const FLAGS = ['--no-first-run', ...DISABLED.map((feature) => `--disable-${feature}`)];

export type PageCheck = Awaited<ReturnType<typeof openPage>>;

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

type Mode = 'as served' | 'CSP bypassed';
type InPage = { pwned?: string; scripts: number; handlers: string[]; scriptUrls: string[] };
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

/**
 * Opens a page, in the mode of `context`, and reports what it did: dialogs, `window.__pwned` after load,
 * requests for a `__pwned` URL, page errors, CSP violations, and what its DOM holds.
 */
async function openPage(context: BrowserContext, base: string, path: string, mode: Mode) {
  const page = await context.newPage();
  const [dialogs, beacons, pageErrors]: [string[], string[], string[]] = [[], [], []];
  let cspViolations = 0;
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on('request', (r) => {
    if (r.url().includes(PWNED)) beacons.push(r.url());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations++;
  });
  const status = (await page.goto(new URL(path, base).href, { waitUntil: 'load' }))?.status() ?? 0;
  // Let deferred handlers (onerror of broken images, ontoggle, meta refresh) have their turn.
  await page.waitForTimeout(250);
  const seen = (await page.evaluate(IN_PAGE)) as InPage;
  await page.close();
  return { url: path, mode, status, dialogs, ...seen, beacons, pageErrors, cspViolations };
}

const failed = (c: PageCheck) =>
  c.status !== 200 ||
  c.pwned !== undefined ||
  c.scripts > 0 ||
  [c.dialogs, c.beacons, c.pageErrors, c.handlers, c.scriptUrls].some((found) => found.length > 0);

export async function checkPages(baseUrl: string, paths: string[]): Promise<BrowserResult> {
  if (!existsSync(CHROMIUM)) {
    const skipped = `no Chromium at ${CHROMIUM}: install Debian's package (sudo apt-get install -y chromium) or set CHROMIUM_PATH`;
    return { ran: false, skipped, pages: paths.length, checks: [], failures: [] };
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const checks: PageCheck[] = [];
  try {
    for (const mode of ['as served', 'CSP bypassed'] satisfies Mode[]) {
      const context = await browser.newContext({
        bypassCSP: mode === 'CSP bypassed',
        javaScriptEnabled: true,
      });
      for (const path of paths) checks.push(await openPage(context, baseUrl, path, mode));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const failures = checks.filter(failed);
  return { ran: true, chromium: browser.version(), pages: paths.length, checks, failures };
}
