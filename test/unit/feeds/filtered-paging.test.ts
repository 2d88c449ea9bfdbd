/**
 * Filtered pages at a bounded cost, on the in-memory store: a page reads at most the budget of entries (counted
 * at the store), links the next page from where it stopped, and following the next links yields every match
 * exactly once, in order, however rare the matches, for one feed and merged feeds, with the page rule's
 * count and byte bounds.
 */
import { describe, expect, it } from 'vitest';
import { ALL, type EntryPage, type FeedEntry } from '../../../shared/article/model.js';
import { readFilteredPage } from '../../../shared/feeds/filtered-page.js';
import { type EntryTest, entryFilter } from '../../../shared/feeds/filters.js';
import { parseTailoring } from '../../../shared/feeds/params.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { entry, seed } from '../../support/feeds-fixtures.js';

/** Article i: in topic a; in b when even; quality i; "rare" in its title when a multiple of 17; a body when i % 4 == 0. */
function articles(count: number): FeedEntry[] {
  return Array.from({ length: count }, (_, i) =>
    entry(i, {
      title: i % 17 === 0 ? `A rare story ${i}` : `Story number ${i}`,
      topics: [{ slug: 'a', name: 'A' }, ...(i % 2 === 0 ? [{ slug: 'b', name: 'B' }] : [])],
      quality: i,
      contentHtml: i % 4 === 0 ? `<p>${'body '.repeat(20 * (i % 5))}${i}</p>` : undefined,
    }),
  );
}

/** A memory store that counts the entries its Queries return. */
class CountingStore extends MemoryStore {
  read = 0;
  queries = 0;
  override async queryEntries(feed: string, limit: number, before?: string): Promise<EntryPage> {
    const page = await super.queryEntries(feed, limit, before);
    this.read += page.entries.length;
    this.queries++;
    return page;
  }
}

async function walk(
  store: CountingStore,
  feeds: string[],
  limit: number,
  accept: EntryTest,
  budget: number,
  maxBytes?: number,
) {
  const seen: FeedEntry[] = [];
  let before: string | undefined;
  let pages = 0;
  do {
    store.read = 0;
    const page = await readFilteredPage(store, feeds, limit, accept, before, { budget, maxBytes });
    pages++;
    expect(store.read).toBe(page.read);
    expect(page.read).toBeLessThanOrEqual(budget);
    expect(page.entries.length).toBeLessThanOrEqual(limit);
    expect(page.entries.every(accept)).toBe(true);
    seen.push(...page.entries);
    before = page.next;
    expect(pages).toBeLessThan(500);
  } while (before !== undefined);
  return { seen, pages };
}

describe('a filtered feed, page by page', () => {
  const all = articles(120);
  const tests: [string, string][] = [
    ['rare titles', 'filter_title=rare'],
    ['most', 'filterout_title=rare'],
    ['none', 'filter=nothing%20matches'],
    ['quality floor and filter', 'minQuality=40&filter=Story'],
  ];

  for (const queryPageBytes of [2_000, 1024 * 1024]) {
    it(`reaches every match once, in order, within the budget (Query pages of ${queryPageBytes} bytes)`, async () => {
      const store = new CountingStore(queryPageBytes);
      await seed(store, all);
      for (const [, query] of tests) {
        const accept = entryFilter(parseTailoring(new URLSearchParams(query))) as EntryTest;
        for (const feeds of [['a'], [ALL], ['a', 'b'], ['b']]) {
          const expected = all
            .filter((e) => feeds.includes(ALL) || e.topics.some((t) => feeds.includes(t.slug)))
            .filter(accept)
            .reverse();
          for (const [limit, budget] of [
            [1, 7],
            [5, 30],
            [50, 500],
          ] as const) {
            const { seen } = await walk(store, feeds, limit, accept, budget);
            expect(seen.map((e) => e.id)).toEqual(expected.map((e) => e.id));
            expect(seen.map((e) => e.contentHtml)).toEqual(expected.map((e) => e.contentHtml));
          }
        }
      }
    });
  }

  it('keeps to the page byte bound with bodies', async () => {
    const store = new CountingStore();
    await seed(store, all);
    const accept = entryFilter(parseTailoring(new URLSearchParams('filterout_title=rare'))) as EntryTest;
    const { seen, pages } = await walk(store, ['a'], 50, accept, 500, 3_000);
    expect(seen).toHaveLength(all.filter(accept).length);
    expect(pages).toBeGreaterThan(3);
  });

  it('stops at the budget and links the next page from the last entry read, with no match yet', async () => {
    const store = new CountingStore();
    await seed(store, all);
    const accept = entryFilter(parseTailoring(new URLSearchParams('filter=nothing'))) as EntryTest;
    const page = await readFilteredPage(store, ['a'], 10, accept, undefined, { budget: 25 });
    expect(page.entries).toEqual([]);
    expect(page.read).toBe(25);
    // The 25th newest article is where the next page starts.
    expect(page.next).toBe(`${all[120 - 25]?.published}#${all[120 - 25]?.articleId}`);
  });

  it('reads little when matches are many: Queries grow from the page size', async () => {
    const store = new CountingStore();
    await seed(store, all);
    const accept = entryFilter(parseTailoring(new URLSearchParams('filterout_title=rare'))) as EntryTest;
    store.queries = 0;
    const page = await readFilteredPage(store, ['a'], 10, accept);
    expect(page.entries).toHaveLength(10);
    expect(page.read).toBeLessThanOrEqual(30);
    expect(store.queries).toBeLessThanOrEqual(2);
  });
});
