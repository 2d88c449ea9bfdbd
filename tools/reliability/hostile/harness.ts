/**
 * Hostile files through the real cores, in memory: the ingest core (Ingester over MemoryStore) and the feeds
 * app over the same store. `ingest` times each file; `crawl` requests every feed and page the store now
 * has, in every format, and `responseProblems` checks each answer with the inspectors.
 */
import { performance } from 'node:perf_hooks';
import type { FeedsConfig } from '../../../shared/config.js';
import { createFeedsApp, type FeedsApp, type FeedsResponse } from '../../../shared/feeds/app.js';
import { topicPath } from '../../../shared/feeds/routes.js';
import { Ingester, type Outcome } from '../../../shared/ingest/ingester.js';
import type { StoredObject } from '../../../shared/ingest/objects.js';
import type { Log } from '../../../shared/logger.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { CONTENT_HTML, htmlProblems, PAGE_HTML, parseXml, scanXml, xmlProblems } from './inspect.js';

export const BUCKET = 'articles';
export const BASE_URL = 'https://feeds.example.org';

export const FEEDS_CONFIG: Omit<FeedsConfig, 'tableName'> = {
  siteTitle: 'Hostile <script>alert("site")</script> & feeds',
  publicBaseUrl: BASE_URL,
  maxAge: 300,
  staleWhileRevalidate: 3600,
  defaultLimit: 50,
  maxLimit: 200,
};

export interface FileResult {
  key: string;
  outcome: Outcome | 'threw';
  /** The rejection reason, or the error of a throw. */
  reason?: string;
  ms: number;
}

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

export class HostileWorld {
  readonly store = new MemoryStore();
  readonly objects = new Map<string, StoredObject>();
  readonly ingester: Ingester;
  readonly app: FeedsApp;
  private sequencer = 0x1000;
  private minute = 0;

  constructor(options: { maxObjectBytes?: number; log?: Log } = {}) {
    this.ingester = new Ingester({
      store: this.store,
      objects: { get: async (_bucket, key) => this.objects.get(key) },
      log: options.log ?? quiet,
      maxObjectBytes: options.maxObjectBytes ?? 1024 * 1024,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    this.app = createFeedsApp({ store: this.store, config: FEEDS_CONFIG, log: quiet, metaTtlMs: 0 });
  }

  /** Uploads `body` under `key` and applies its event; never throws (a throw is reported as `threw`). */
  async ingest(key: string, body: Uint8Array): Promise<FileResult> {
    const eTag = `etag-${this.sequencer}`;
    this.objects.set(key, { body, eTag });
    const started = performance.now();
    try {
      const outcome = await this.ingester.apply({
        kind: 'created',
        bucket: BUCKET,
        key,
        size: body.length,
        eTag,
        sequencer: (this.sequencer++).toString(16).toUpperCase(),
        eventTime: new Date(Date.UTC(2026, 0, 1, 0, this.minute++)).toISOString(),
      });
      const ms = performance.now() - started;
      const reason = outcome === 'rejected' ? (await this.store.getFile(key))?.reason : undefined;
      return { key, outcome, reason, ms };
    } catch (e) {
      return {
        key,
        outcome: 'threw',
        reason: e instanceof Error ? e.stack : String(e),
        ms: performance.now() - started,
      };
    }
  }

  get(pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET'): Promise<FeedsResponse> {
    const q = pathAndQuery.indexOf('?');
    return this.app({
      method,
      path: q === -1 ? pathAndQuery : pathAndQuery.slice(0, q),
      query: new URLSearchParams(q === -1 ? '' : pathAndQuery.slice(q + 1)),
      headers,
    });
  }

  /**
   * The paths of every page and feed the store has: the site's, each topic's page and feeds, one merged
   * pair. `thorough` asks every topic's feed in every format; otherwise each topic's in one of them (in
   * turn), which still puts every topic name through every renderer's escaping at least once per format.
   */
  async paths(thorough = true): Promise<string[]> {
    const topics = (await this.store.listTopics()).map((t) => t.slug).sort();
    const formats = ['rss.xml', 'atom.xml', 'feed.json'];
    const paths = [
      '/',
      '/topics.json',
      '/feeds.opml',
      '/feeds.opml?format=atom',
      ...formats.map((f) => `/${f}`),
    ];
    paths.push('/feed.json?limit=3');
    topics.forEach((slug, i) => {
      const page = topicPath([slug]);
      paths.push(page, ...(thorough ? formats : [formats[i % 3]]).map((f) => `${page}/${f}`));
    });
    if (topics.length >= 2) {
      const merged = topicPath(topics.slice(0, 2));
      paths.push(merged, ...formats.map((f) => `${merged}/${f}`));
    }
    return paths;
  }

  /** Requests every path; also follows the first next link of the all-articles feeds. */
  async crawl(thorough = true): Promise<{ path: string; res: FeedsResponse }[]> {
    const out: { path: string; res: FeedsResponse }[] = [];
    for (const path of await this.paths(thorough)) {
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
  const { tags } = scanXml(xml);
  const values = tags.flatMap((t) =>
    Object.entries(t.attributes)
      .filter(([name]) => /^(href|url|xmlUrl|htmlUrl|src)$/.test(name))
      .map(([, v]) => v),
  );
  for (const m of xml
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')
    .matchAll(/<(?:link|comments|docs)>([^<]*)<\//g)) {
    values.push(m[1] ?? '');
  }
  return values
    .map((raw) => raw.replace(/&amp;/g, '&'))
    .filter((v) => !HTTP_URL.test(v))
    .map((v) => `a link that is not an absolute http(s) URL: "${v.slice(0, 80)}"`);
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const textOf = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'object' && v !== null
      ? String((v as { '#text'?: unknown })['#text'] ?? '')
      : String(v ?? '');

/** Everything wrong with one answer of the feeds app. */
export function responseProblems(path: string, res: FeedsResponse): string[] {
  const problems: string[] = [];
  if (res.status !== 200) return [`answered ${res.status}: ${bodyText(res).slice(0, 200)}`];
  const type = res.headers['content-type'] ?? '';
  const body = bodyText(res);
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
          problems.push(...htmlProblems(String(item.content_html ?? ''), CONTENT_HTML));
          for (const k of ['url', 'external_url', 'image'] as const) {
            if (item[k] !== undefined && !HTTP_URL.test(String(item[k])))
              problems.push(`item ${k} ${item[k]}`);
          }
        }
      }
    } else if (/xml|opml/.test(type)) {
      problems.push(...xmlProblems(body), ...xmlUrlProblems(body));
      const doc = parseXml(body);
      const rss = doc.rss as { channel?: { item?: unknown } } | undefined;
      const feed = doc.feed as { entry?: unknown } | undefined;
      if (rss) {
        for (const item of asArray(rss.channel?.item) as Record<string, unknown>[]) {
          problems.push(...htmlProblems(textOf(item.description), CONTENT_HTML));
          problems.push(...htmlProblems(textOf(item['content:encoded']), CONTENT_HTML));
        }
      } else if (feed) {
        for (const entry of asArray(feed.entry) as Record<string, unknown>[]) {
          problems.push(...htmlProblems(textOf(entry.content), CONTENT_HTML));
          problems.push(...htmlProblems(textOf(entry.summary), CONTENT_HTML));
          problems.push(...htmlProblems(textOf(entry.title), { tags: new Set() }).map((p) => `title: ${p}`));
        }
      } else if (!doc.opml) problems.push(`no rss, feed or opml root: ${Object.keys(doc).join(', ')}`);
    } else problems.push(`unexpected content type ${type}`);
  } catch (e) {
    problems.push(`unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
  return problems.map((p) => `${path}: ${p}`);
}
