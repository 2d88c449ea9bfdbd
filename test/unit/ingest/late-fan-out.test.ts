/**
 * Two files with the same link ingested at once: the older upload's fan-out is slow, and the newer one's
 * finishes first. The older one's entries, written after, must not stay in the feeds the article left (the
 * hostile check's six files with one link left a stale entry, and a topic with it, in about half its runs).
 */
import { describe, expect, it } from 'vitest';
import { ALL, type FeedEntry } from '../../../shared/article/model.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { ingestedWorld } from '../../support/ingested-world.js';

/** A store whose entry writes of article version 1 wait until `release` is called. */
class SlowFirstVersion extends MemoryStore {
  private opened!: () => void;
  private readonly gate = new Promise<void>((r) => (this.opened = r));
  held = 0;
  release() {
    this.opened();
  }
  override async putEntry(feed: string, position: string, entry: FeedEntry, version: number) {
    if (version === 1) {
      this.held++;
      await this.gate;
    }
    return super.putEntry(feed, position, entry, version);
  }
}

describe('an older upload whose fan-out ends after a newer one’s', () => {
  it('leaves no entry in the feeds the article left, and counts right', async () => {
    const store = new SlowFirstVersion();
    const { put } = ingestedWorld(store);
    const link = 'https://news.example.com/one-link';
    const slow = put('a.md', { webUrl: link, publishedDateTime: '2021-03-18T00:00:00Z', topics: ['Old'] });
    while (store.held === 0) await new Promise((r) => setImmediate(r));
    expect(
      await put('b.md', { webUrl: link, publishedDateTime: '2021-03-23T00:00:00Z', topics: ['New'] }),
    ).toBe('ingested');
    store.release();
    await slow;

    const feed = async (slug: string) => (await store.queryEntries(slug, 10)).entries.map((e) => e.published);
    expect(await feed(ALL)).toEqual(['2021-03-23T00:00:00.000Z']);
    expect(await feed('new')).toEqual(['2021-03-23T00:00:00.000Z']);
    expect(await feed('old')).toEqual([]);
    expect((await store.listTopics()).map((t) => [t.slug, t.count])).toEqual([['new', 1]]);
    expect((await store.getTopic(ALL))?.count).toBe(1);
    expect((await store.getArticle((await store.getFile('b.md'))?.articleId ?? ''))?.pending).toBeFalsy();
  });
});
