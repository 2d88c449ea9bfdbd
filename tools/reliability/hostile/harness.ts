/**
 * Hostile files through the real cores, in memory: the ingest core (Ingester over MemoryStore) and the feeds
 * app over the same store. `ingest` times each file; `crawl` requests every feed and page the store now
 * has, and `responseProblems` checks each answer with the inspectors.
 */
import { performance } from 'node:perf_hooks';
import type { FeedsConfig } from '../../../shared/config.js';
import type { FeedsResponse } from '../../../shared/feeds/app.js';
import { topicPath } from '../../../shared/feeds/routes.js';
import type { Outcome } from '../../../shared/ingest/ingester.js';
import type { StoredObject } from '../../../shared/ingest/objects.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { FEEDS_CONFIG as TOOLS_CONFIG, toolsFeedsApp, toolsIngester } from '../../lib/app.js';
import { CONTENT_HTML, htmlProblems, PAGE_HTML, parseXml, scanXml, xmlProblems } from './inspect.js';

export const BUCKET = 'articles';
export const BASE_URL = TOOLS_CONFIG.publicBaseUrl;

export const FEEDS_CONFIG: Omit<FeedsConfig, 'tableName'> = {
  ...TOOLS_CONFIG,
  siteTitle: 'Hostile <script>alert("site")</script> & feeds',
};

export interface FileResult {
  key: string;
  outcome: Outcome | 'threw';
  /** The rejection reason, or the error of a throw. */
  reason?: string;
  ms: number;
}

export class HostileWorld {
  readonly store = new MemoryStore();
  private readonly objects = new Map<string, StoredObject>();
  private readonly ingester = toolsIngester(this.store, this.objects, {
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  readonly app = toolsFeedsApp(this.store, { config: FEEDS_CONFIG, metaTtlMs: 0 });
  private sequencer = 0x1000;
  private minute = 0;

  /** Uploads `body` under `key` and applies its event; never throws (a throw is reported as `threw`). */
  async ingest(key: string, body: Uint8Array): Promise<FileResult> {
    const eTag = `etag-${this.sequencer}`;
    this.objects.set(key, { body, eTag });
    const started = performance.now();
    try {
      const outcome = await this.ingester.apply({
        ...{ kind: 'created', bucket: BUCKET, key, size: body.length, eTag },
        sequencer: (this.sequencer++).toString(16).toUpperCase(),
        eventTime: new Date(Date.UTC(2026, 0, 1, 0, this.minute++)).toISOString(),
      });
      const reason = outcome === 'rejected' ? (await this.store.getFile(key))?.reason : undefined;
      return { key, outcome, reason, ms: performance.now() - started };
    } catch (e) {
      const reason = e instanceof Error ? e.stack : String(e);
      return { key, outcome: 'threw', reason, ms: performance.now() - started };
    }
  }

  get(pathAndQuery: string): Promise<FeedsResponse> {
    const [path = '', query = ''] = pathAndQuery.split(/\?(.*)/s);
    return this.app({ method: 'GET', path, query: new URLSearchParams(query), headers: {} });
  }

  /**
   * Requests every page and feed the store has: the site's, each topic's page and feeds, one merged pair; also
   * follows the first next link of the all-articles JSON feeds. Unless `thorough`, each topic's feed in one
   * format (in turn), which still puts every topic name through every renderer's escaping.
   */
  async crawl(thorough = true): Promise<{ path: string; res: FeedsResponse }[]> {
    const topics = (await this.store.listTopics()).map((t) => t.slug).sort();
    const formats = ['rss.xml', 'atom.xml', 'feed.json'];
    const paths = ['/', '/topics.json', '/feeds.opml', '/feeds.opml?format=atom'];
    paths.push(...formats.map((f) => `/${f}`), '/feed.json?limit=3');
    topics.forEach((slug, i) => {
      const page = topicPath([slug]);
      paths.push(page, ...(thorough ? formats : [formats[i % 3]]).map((f) => `${page}/${f}`));
    });
    if (topics.length >= 2) {
      const merged = topicPath(topics.slice(0, 2));
      paths.push(merged, ...formats.map((f) => `${merged}/${f}`));
    }
    const out: { path: string; res: FeedsResponse }[] = [];
    for (const path of paths) {
      const res = await this.get(path);
      out.push({ path, res });
      const next = bodyText(res).match(/[?&](?:amp;)?cursor=([A-Za-z0-9_.-]+)/)?.[1];
      if (next && path.startsWith('/feed.json')) {
        const nextPath = `/feed.json?limit=3&cursor=${next}`;
        out.push({ path: nextPath, res: await this.get(nextPath) });
      }
    }
    return out;
  }
}

export const bodyText = (res: FeedsResponse): string =>
  typeof res.body === 'string' ? res.body : res.body.toString('utf8');

const HTTP_URL = /^https?:\/\/[^\s<>"]+$/;

/** URLs in attributes and link elements of a feed: all must be absolute http(s). */
function xmlUrlProblems(xml: string): string[] {
  const values = scanXml(xml).tags.flatMap((t) =>
    Object.entries(t.attributes)
      .filter(([name]) => /^(href|url|xmlUrl|htmlUrl|src)$/.test(name))
      .map(([, v]) => v),
  );
  const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  for (const m of outsideCdata.matchAll(/<(?:link|comments|docs)>([^<]*)<\//g)) values.push(m[1] ?? '');
  return values
    .map((raw) => raw.replace(/&amp;/g, '&'))
    .filter((v) => !HTTP_URL.test(v))
    .map((v) => `a link that is not an absolute http(s) URL: "${v.slice(0, 80)}"`);
}

const asArray = (v: unknown) =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
const textOf = (v: unknown): string =>
  typeof v === 'object' && v !== null ? String((v as { '#text'?: unknown })['#text'] ?? '') : String(v ?? '');

/** Everything wrong with one answer of the feeds app. */
export function responseProblems(path: string, res: FeedsResponse): string[] {
  if (res.status !== 200) return [`answered ${res.status}: ${bodyText(res).slice(0, 200)}`];
  const problems: string[] = [];
  const type = res.headers['content-type'] ?? '';
  const body = bodyText(res);
  const content = (html: string) => problems.push(...htmlProblems(html, CONTENT_HTML));
  try {
    if (type.startsWith('text/html')) {
      problems.push(...htmlProblems(body, PAGE_HTML));
      const csp = res.headers['content-security-policy'] ?? '';
      if (!/default-src 'none'/.test(csp) || /script-src/.test(csp)) problems.push(`weak CSP: ${csp}`);
    } else if (type.includes('json')) {
      const doc = JSON.parse(body) as { version?: string; items?: Record<string, unknown>[] };
      if (type.startsWith('application/feed+json')) {
        if (doc.version !== 'https://jsonfeed.org/version/1.1') problems.push(`version ${doc.version}`);
        for (const item of doc.items ?? []) {
          content(String(item.content_html ?? ''));
          for (const k of ['url', 'external_url', 'image'] as const) {
            if (item[k] !== undefined && !HTTP_URL.test(String(item[k])))
              problems.push(`item ${k} ${item[k]}`);
          }
        }
      }
    } else if (/xml|opml/.test(type)) {
      problems.push(...xmlProblems(body), ...xmlUrlProblems(body));
      const doc = parseXml(body);
      const { rss, feed } = doc as { rss?: { channel?: { item?: unknown } }; feed?: { entry?: unknown } };
      if (rss) {
        for (const item of asArray(rss.channel?.item))
          for (const v of [item.description, item['content:encoded']]) content(textOf(v));
      } else if (feed) {
        for (const entry of asArray(feed.entry)) {
          for (const v of [entry.content, entry.summary]) content(textOf(v));
          problems.push(...htmlProblems(textOf(entry.title), { tags: new Set() }).map((p) => `title: ${p}`));
        }
      } else if (!doc.opml) problems.push(`no rss, feed or opml root: ${Object.keys(doc).join(', ')}`);
    } else problems.push(`unexpected content type ${type}`);
  } catch (e) {
    problems.push(`unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
  return problems.map((p) => `${path}: ${p}`);
}
