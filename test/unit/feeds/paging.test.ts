/**
 * The page rule on the in-memory store, whose Query pages end at a byte size as DynamoDB's do at 1 MB (here
 * made small, so that short pages happen with small articles): following next pages reaches every article
 * once, for one feed and for merged feeds; pages keep to their count and byte bounds; bodies come from the
 * articles in one read per page; and the app's bounds on merged feeds answer 400 with a reason.
 */
import { describe, expect, it } from 'vitest';
import { ALL, type FeedEntry } from '../../../shared/article/model.js';
import { readPage } from '../../../shared/feeds/pages.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { entry, seed, testApp, text } from '../../support/feeds-fixtures.js';

/** Article i: in topic a always, in b when even, in c when a multiple of 3; every fourth has a long body. */
function articles(count: number): FeedEntry[] {
  return Array.from({ length: count }, (_, i) =>
    entry(i, {
      topics: [
        { slug: 'a', name: 'A' },
        ...(i % 2 === 0 ? [{ slug: 'b', name: 'B' }] : []),
        ...(i % 3 === 0 ? [{ slug: 'c', name: 'C' }] : []),
      ],
      contentHtml: i % 4 === 0 ? `<p>${'&lt;'.repeat(100 * (i % 7))}${i}</p>` : undefined,
    }),
  );
}

const sizeOf = (e: FeedEntry) => Buffer.byteLength(JSON.stringify(e));

async function walkAll(store: MemoryStore, feeds: string[], limit: number, maxBytes: number) {
  const seen: FeedEntry[] = [];
  let before: string | undefined;
  let pages = 0;
  do {
    store.calls.clear();
    const page = await readPage(store, feeds, limit, before, maxBytes);
    pages++;
    expect(page.entries.length).toBeGreaterThan(0);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    if (page.entries.length > 1) {
      expect(page.entries.reduce((n, e) => n + sizeOf(e), 0)).toBeLessThanOrEqual(maxBytes);
    }
    // One Query per feed, and the bodies in at most one read.
    expect(store.calls.get('queryEntries')).toBe(feeds.length);
    expect(store.calls.get('getBodies') ?? 0).toBeLessThanOrEqual(1);
    seen.push(...page.entries);
    before = page.next;
    expect(pages).toBeLessThan(200);
  } while (before !== undefined);
  return seen;
}

describe('the page rule, on a store whose Query pages end at a few KB', () => {
  const all = articles(60);
  const inFeeds = (feeds: string[]) =>
    all.filter((e) => feeds.includes(ALL) || e.topics.some((t) => feeds.includes(t.slug)));

  for (const queryPageBytes of [1_500, 4_000, 1024 * 1024]) {
    it(`reaches every article once, with its body, in one feed and merged (Query pages of ${queryPageBytes} bytes)`, async () => {
      const store = new MemoryStore(queryPageBytes);
      await seed(store, all);
      for (const feeds of [['a'], [ALL], ['b', 'c'], ['a', 'b', 'c'], ['c']]) {
        for (const limit of [1, 3, 10, 50]) {
          for (const maxBytes of [2_000, 8_000, 1024 * 1024]) {
            const seen = await walkAll(store, feeds, limit, maxBytes);
            const expected = inFeeds(feeds);
            expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id).reverse());
            // The bodies kept with the articles are back in the entries, as written.
            expect(seen.map((e) => e.contentHtml)).toEqual(expected.map((e) => e.contentHtml).reverse());
          }
        }
      }
    });
  }

  it('keeps entries without their bodies, and the bodies with the articles', async () => {
    const store = new MemoryStore();
    await seed(store, all.slice(0, 8));
    const page = await store.queryEntries('a', 10);
    expect(page.entries.every((e) => e.contentHtml === undefined)).toBe(true);
    expect(page.facts.map((f) => f.bodyVersion !== undefined)).toEqual(
      all
        .slice(0, 8)
        .reverse()
        .map((e) => e.contentHtml !== undefined),
    );
    expect(page.facts.map((f) => f.bytes)).toEqual(all.slice(0, 8).reverse().map(sizeOf));
  });

  it('says more follows when a Query page ends at its size, however few it returned', async () => {
    const store = new MemoryStore(1);
    await seed(store, all.slice(0, 3));
    const page = await store.queryEntries('a', 50);
    expect(page.entries).toHaveLength(1);
    expect(page.next).toBe(page.facts[0]?.position);
  });

  it('leaves out an article removed since its entry was read, and keeps paging', async () => {
    const store = new MemoryStore();
    await seed(store, all.slice(0, 9));
    const gone = all[8] as FeedEntry;
    store.articles.delete(gone.articleId);
    const page = await readPage(store, ['a'], 3);
    expect(page.entries.map((e) => e.id)).toEqual([all[7]?.id, all[6]?.id]);
    expect(page.next).toBeDefined();
  });

  it('an edited body changes the feed', async () => {
    const store = new MemoryStore();
    await seed(store, all.slice(0, 5));
    const { get } = testApp({ store });
    const before = await get('/topics/a/atom.xml');
    const edited = { ...(all[4] as FeedEntry), contentHtml: '<p>edited body</p>' };
    await seed(store, [edited], '2021-04-02T00:00:00.000Z');
    const after = await get('/topics/a/atom.xml', { 'if-none-match': before.headers.etag as string });
    expect(after.status).toBe(200);
    expect(text(after.body)).toContain('edited body');
  });
});

describe('bounds of merged feeds', () => {
  it('refuses more topics than FEED_MAX_MERGED_TOPICS, and a page above FEED_MERGED_MAX_LIMIT', async () => {
    const store = new MemoryStore();
    await seed(store, articles(6));
    const { get } = testApp({
      store,
      config: {
        siteTitle: 'Example feeds',
        publicBaseUrl: 'https://feeds.example.org',
        maxAge: 300,
        staleWhileRevalidate: 3600,
        defaultLimit: 50,
        maxLimit: 200,
        maxMergedTopics: 2,
        mergedMaxLimit: 20,
      },
    });
    const three = await get('/topics/a,b,c/rss.xml');
    expect(three.status).toBe(400);
    expect(text(three.body)).toContain('at most 2 topics can be merged in one feed');
    const big = await get('/topics/a,b/rss.xml?limit=21');
    expect(big.status).toBe(400);
    expect(text(big.body)).toContain('from 1 to 20 for merged topics');
    // The default page size is capped for merged feeds, and one topic keeps its own ceiling.
    expect((await get('/topics/a,b/rss.xml')).status).toBe(200);
    expect((await get('/topics/a/rss.xml?limit=200')).status).toBe(200);
  });
});
