/**
 * Top stories: the window ends at the feed's newest article, the ranking is heat first (none last), ties by
 * date then id, pages follow the ranking to the end once, an article whose heat changes moves, the window's
 * read budget is kept and said, and filters apply within the window.
 */
import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../../shared/article/model.js';
import { type EntryTest, entryFilter } from '../../../shared/feeds/filters.js';
import { parseTailoring } from '../../../shared/feeds/params.js';
import {
  compareRank,
  decodeRankKey,
  encodeRankKey,
  readTopPage,
  readWindow,
} from '../../../shared/feeds/top.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { entry, seed } from '../../support/feeds-fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Entries an hour apart (entry(n)); heat from a table, none when undefined. */
const withHeat = (heats: (number | undefined)[]) =>
  heats.map((heat, n) => entry(n, { heat, title: `Story ${n} heat ${heat ?? 'none'}` }));

async function allPages(store: MemoryStore, feed: string, limit: number, accept?: EntryTest) {
  const seen: FeedEntry[] = [];
  let after: string | undefined;
  do {
    const page = await readTopPage(store, feed, limit, {
      accept,
      after: after ? decodeRankKey(after) : undefined,
    });
    seen.push(...page.entries);
    after = page.next;
  } while (after !== undefined);
  return seen;
}

describe('top stories', () => {
  it('ranks by heat, highest first; ties by date, newest first; no heat last', async () => {
    const store = new MemoryStore();
    await seed(store, withHeat([5, 9, undefined, 9, 1, undefined, 7]));
    const page = await readTopPage(store, 'election', 50);
    expect(page.entries.map((e) => e.title)).toEqual([
      'Story 3 heat 9',
      'Story 1 heat 9',
      'Story 6 heat 7',
      'Story 0 heat 5',
      'Story 4 heat 1',
      'Story 5 heat none',
      'Story 2 heat none',
    ]);
    expect(page.next).toBeUndefined();
  });

  it('keeps the window ending at the newest article, not at the clock', async () => {
    const store = new MemoryStore();
    // 200 hours of articles; a 7-day window from the newest (hour 199) reaches back to hour 31.
    await seed(
      store,
      Array.from({ length: 200 }, (_, n) => entry(n, { heat: n % 10 })),
    );
    const win = await readWindow(store, 'election', 7 * DAY);
    expect(win.candidates).toHaveLength(199 - 31 + 1);
    expect(win.truncated).toBe(false);
    const oneDay = await readTopPage(store, 'election', 200, { windowDays: 1 });
    expect(oneDay.entries).toHaveLength(25);
    expect(
      oneDay.entries.every((e) => Date.parse(e.published) >= Date.parse(entry(199).published) - DAY),
    ).toBe(true);
  });

  it('reads the window within its budget and says when the budget cut it', async () => {
    const store = new MemoryStore();
    await seed(
      store,
      Array.from({ length: 150 }, (_, n) => entry(n, { heat: n })),
    );
    const win = await readWindow(store, 'election', 30 * DAY, 40);
    expect(win.read).toBe(40);
    expect(win.candidates).toHaveLength(40);
    expect(win.truncated).toBe(true);
  });

  it('pages through the ranking once, in order, and is the same for the same data', async () => {
    const store = new MemoryStore();
    const heats = Array.from({ length: 60 }, (_, n) => (n % 7 === 0 ? undefined : (n * 37) % 11));
    await seed(store, withHeat(heats));
    const one = await readTopPage(store, 'election', 60);
    for (const limit of [1, 4, 7]) {
      const paged = await allPages(store, 'election', limit);
      expect(paged.map((e) => e.id)).toEqual(one.entries.map((e) => e.id));
    }
    expect(await readTopPage(store, 'election', 60)).toEqual(one);
  });

  it('moves an article whose heat changes', async () => {
    const store = new MemoryStore();
    const entries = withHeat([10, 20, 30]);
    await seed(store, entries);
    const before = await readTopPage(store, 'election', 10);
    expect(before.entries.map((e) => e.heat)).toEqual([30, 20, 10]);
    await seed(store, [{ ...(entries[0] as FeedEntry), heat: 99 }], '2021-04-02T00:00:00.000Z');
    const after = await readTopPage(store, 'election', 10);
    expect(after.entries.map((e) => e.heat)).toEqual([99, 30, 20]);
    expect(after.entries[0]?.id).toBe(entries[0]?.id);
  });

  it('applies filters within the window', async () => {
    const store = new MemoryStore();
    await seed(
      store,
      Array.from({ length: 30 }, (_, n) => entry(n, { heat: n, quality: n % 3 === 0 ? 100 : 1 })),
    );
    const accept = entryFilter(parseTailoring(new URLSearchParams('minQuality=50'))) as EntryTest;
    const paged = await allPages(store, 'election', 3, accept);
    expect(paged.map((e) => e.heat)).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);
  });

  it('rank keys survive the cursor text', () => {
    for (const k of [
      { heat: 3.5, position: '2021-03-14T01:27:54.000Z#abc' },
      { heat: -2, position: 'p#1' },
      { heat: Number.NEGATIVE_INFINITY, position: 'p#2' },
    ]) {
      expect(decodeRankKey(encodeRankKey(k))).toEqual(k);
    }
    expect(decodeRankKey('nonsense')).toBeUndefined();
    expect(decodeRankKey('x~p#1')).toBeUndefined();
    expect(compareRank({ heat: 1, position: 'a' }, { heat: Number.NEGATIVE_INFINITY, position: 'b' })).toBe(
      -1,
    );
  });
});
