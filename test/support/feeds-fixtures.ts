/** Fixture factories for the feeds tests: every call builds fresh objects from fixed dates. */

import { ALL, type FeedEntry } from '../../shared/article/model.js';
import type { FeedsConfig } from '../../shared/config.js';
import {
  createFeedsApp,
  type FeedsApp,
  type FeedsAppOptions,
  type FeedsRequest,
} from '../../shared/feeds/app.js';
import type { FeedDocument } from '../../shared/feeds/render/document.js';
import { safeEntry } from '../../shared/feeds/render/entry.js';
import { uuidV5 } from '../../shared/links.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { type IngestStore, positionOf } from '../../shared/store/types.js';
import { RecordingLog } from './fakes.js';

export const BASE = 'https://feeds.example.org';
const T0 = Date.UTC(2021, 2, 14, 1, 27, 54);

/** A feed entry like the ones ingest writes; `n` spaces entries an hour apart, newest for the largest n. */
export function entry(n: number, overrides: Partial<FeedEntry> = {}): FeedEntry {
  const url = `https://news.example.com/2021/03/story-${n}`;
  const articleId = uuidV5(url);
  const published = new Date(T0 + n * 3_600_000).toISOString();
  return {
    id: `urn:uuid:${articleId}`,
    articleId,
    url,
    title: `Story number ${n}`,
    published,
    updated: published,
    summary: `What happened in story ${n}.`,
    provider: { name: 'Example News', domain: 'example.com' },
    topics: [{ slug: 'election', name: 'Election' }],
    image: { url: `https://img.example.com/${n}.jpg`, width: 800, height: 450, type: 'image/jpeg' },
    related: [],
    ...overrides,
  };
}

/** What safeEntry needs to make an entry's links: where the topics and the home page are. */
const RENDER_CTX = { topicsBase: `${BASE}/topics/`, home: `${BASE}/` };

/** A rendered feed's document: the "election" topic feed of BASE with these entries, made safe to render. */
export function feedDocument(entries: FeedEntry[], overrides: Partial<FeedDocument> = {}): FeedDocument {
  return {
    title: 'Election · Example feeds',
    description: 'Articles about Election on Example feeds, newest first.',
    siteTitle: 'Example feeds',
    htmlUrl: `${BASE}/topics/election`,
    id: `${BASE}/topics/election/atom.xml`,
    self: {
      rss: `${BASE}/topics/election/rss.xml`,
      atom: `${BASE}/topics/election/atom.xml`,
      json: `${BASE}/topics/election/feed.json`,
    },
    topicsBase: RENDER_CTX.topicsBase,
    lastChange: '2021-04-01T00:00:00.000Z',
    ttlMinutes: 5,
    entries: entries.map((e) => safeEntry(e, RENDER_CTX)),
    ...overrides,
  };
}

export const CONFIG: Omit<FeedsConfig, 'tableName'> = {
  siteTitle: 'Example feeds',
  publicBaseUrl: BASE,
  maxAge: 300,
  staleWhileRevalidate: 3600,
  staleIfError: 86400,
  defaultLimit: 50,
  maxLimit: 200,
};

/**
 * Adds entries the way ingest does, through IngestStore only: the article's record (which keeps the body),
 * then each entry into its topics' feeds and the all-articles feed, then the topic metadata touched. `at` is
 * the change time recorded.
 */
export async function seed(
  store: IngestStore,
  entries: FeedEntry[],
  at = '2021-04-01T00:00:00.000Z',
): Promise<void> {
  for (const e of entries) {
    const old = await store.getArticle(e.articleId);
    const version = (old?.version ?? 0) + 1;
    await store.putArticle(
      {
        articleId: e.articleId,
        canonicalUrl: e.url,
        published: true,
        entry: e,
        files: { [`${e.articleId}.md`]: at },
        sourceKey: `${e.articleId}.md`,
        sourceTime: at,
        version,
      },
      old?.version ?? 0,
    );
    for (const t of [{ slug: ALL, name: 'All' }, ...e.topics]) {
      const created = await store.putEntry(t.slug, positionOf(e), e, version);
      await store.touchTopic({ slug: t.slug, name: t.name, countDelta: created ? 1 : 0, at });
    }
  }
}

export interface TestApp {
  app: FeedsApp;
  store: MemoryStore;
  log: RecordingLog;
  /** GET (or another method) of a path with an optional query string and headers. */
  get(pathAndQuery: string, headers?: Record<string, string>, method?: string): ReturnType<FeedsApp>;
}

export function testApp(options: Partial<FeedsAppOptions> & { store?: MemoryStore } = {}): TestApp {
  const store = options.store ?? new MemoryStore();
  const log = new RecordingLog();
  const app = createFeedsApp({ config: CONFIG, log, metaTtlMs: 0, ...options, store });
  return {
    app,
    store,
    log,
    get(pathAndQuery, headers = {}, method = 'GET') {
      const q = pathAndQuery.indexOf('?');
      const req: FeedsRequest = {
        method,
        path: q === -1 ? pathAndQuery : pathAndQuery.slice(0, q),
        query: new URLSearchParams(q === -1 ? '' : pathAndQuery.slice(q + 1)),
        headers,
      };
      return app(req);
    },
  };
}

/** The body of a response as text (decompressing nothing: tests ask for identity unless they say). */
export const text = (body: string | Buffer): string =>
  typeof body === 'string' ? body : body.toString('utf8');

/** Resets MemoryStore's call counters. */
export const resetCalls = (store: MemoryStore) => store.calls.clear();

/** Store calls made, by method. */
export const calls = (store: MemoryStore) => Object.fromEntries(store.calls);
