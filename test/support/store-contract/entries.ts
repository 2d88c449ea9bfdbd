/**
 * The store contract, feed entries: written and removed only over an older version of the article, read a page
 * at a time newest first, a page ending early where DynamoDB's Query ends at 1 MB read.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { FeedEntry } from '../../../shared/article/model.js';
import { positionOf } from '../../../shared/store/types.js';
import { type ContractContext, contractEntry } from './context.js';

const at = (hour: number) => new Date(Date.UTC(2026, 2, 1, hour)).toISOString();

export function entryCases({ store, fresh }: ContractContext): void {
  it('entries: put where empty says so; a newer version replaces, an older one does not', async () => {
    const s = store();
    const feed = fresh('entries');
    const e = contractEntry(at(1));
    const position = positionOf(e);
    expect(await s.putEntry(feed, position, e, 2)).toBe(true);
    expect(await s.putEntry(feed, position, { ...e, title: 'Same version' }, 2)).toBe(false);
    expect(await s.putEntry(feed, position, { ...e, title: 'Newer' }, 3)).toBe(false);
    expect(await s.putEntry(feed, position, { ...e, title: 'Older' }, 1)).toBe(false);
    expect((await s.queryEntries(feed, 10)).entries.map((x) => x.title)).toEqual(['Newer']);
  });

  it('entries: removed only by the same or a newer version; says whether something was removed', async () => {
    const s = store();
    const feed = fresh('entries');
    const e = contractEntry(at(2));
    const position = positionOf(e);
    expect(await s.deleteEntry(feed, position, 5)).toBe(false);
    await s.putEntry(feed, position, e, 3);
    expect(await s.deleteEntry(feed, position, 2)).toBe(false);
    expect((await s.queryEntries(feed, 10)).entries).toHaveLength(1);
    expect(await s.deleteEntry(feed, position, 3)).toBe(true);
    expect((await s.queryEntries(feed, 10)).entries).toEqual([]);
    expect(await s.countEntries(feed)).toBe(0);
  });

  it('entries: pages newest first, `next` while more may follow, `before` continuing strictly after it', async () => {
    const s = store();
    const feed = fresh('entries');
    const entries = Array.from({ length: 7 }, (_, i) => contractEntry(at(10 + i)));
    await Promise.all(entries.map((e) => s.putEntry(feed, positionOf(e), e, 1)));
    const newestFirst = [...entries].reverse().map((e) => e.articleId);
    const first = await s.queryEntries(feed, 3);
    expect(first.entries.map((e) => e.articleId)).toEqual(newestFirst.slice(0, 3));
    expect(first.next).toBe(first.facts[2]?.position);
    const second = await s.queryEntries(feed, 3, first.next);
    expect(second.entries.map((e) => e.articleId)).toEqual(newestFirst.slice(3, 6));
    const last = await s.queryEntries(feed, 3, second.next);
    expect(last.entries.map((e) => e.articleId)).toEqual(newestFirst.slice(6));
    expect(last.next).toBeUndefined();
    // A page that ends exactly at the end: no next.
    expect((await s.queryEntries(feed, 7)).next).toBeUndefined();
    expect(await s.queryEntries(fresh('empty'), 5)).toEqual({ entries: [], facts: [], next: undefined });
    expect(await s.countEntries(feed)).toBe(7);
  });

  it("entries: come without the body kept with the article, with each one's position, size and body version", async () => {
    const s = store();
    const feed = fresh('entries');
    const withBody = contractEntry(at(20), { contentHtml: '<p>Ünïcode body</p>', summary: 'S' });
    const without = contractEntry(at(19));
    await s.putEntry(feed, positionOf(withBody), withBody, 4);
    await s.putEntry(feed, positionOf(without), without, 2);
    const page = await s.queryEntries(feed, 10);
    const { contentHtml: _body, ...rest } = withBody;
    expect(page.entries).toEqual([rest, without]);
    expect(page.facts).toEqual([
      { position: positionOf(withBody), bytes: Buffer.byteLength(JSON.stringify(withBody)), bodyVersion: 4 },
      {
        position: positionOf(without),
        bytes: Buffer.byteLength(JSON.stringify(without)),
        bodyVersion: undefined,
      },
    ]);
  });

  it('entries: a page ends once 1 MB of items was read, however few, with `next` set', async () => {
    const s = store();
    const feed = fresh('large');
    // About 285 KB a stored item (random text does not compress): the fourth item read passes 1 MB.
    const big = (hour: number): FeedEntry =>
      contractEntry(at(hour), { summary: randomBytes(285_000).toString('base64') });
    const entries = [30, 31, 32, 33, 34, 35].map(big);
    for (const e of entries) await s.putEntry(feed, positionOf(e), e, 1);
    const first = await s.queryEntries(feed, 10);
    expect(first.entries.map((e) => e.articleId)).toEqual(
      [...entries]
        .reverse()
        .slice(0, 4)
        .map((e) => e.articleId),
    );
    expect(first.next).toBe(first.facts[3]?.position);
    const rest = await s.queryEntries(feed, 10, first.next);
    expect(rest.entries.map((e) => e.articleId)).toEqual([entries[1]?.articleId, entries[0]?.articleId]);
    expect(rest.next).toBeUndefined();
  });
}
