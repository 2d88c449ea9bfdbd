/**
 * Provider feeds, in both stores (the in-memory fake and the DynamoDB adapter on dynalite): each published
 * article with a provider domain is in its provider's feed, counted and revisioned like a topic, and leaves it
 * when its provider changes, goes, or the article is unpublished or deleted.
 */
import { describe, expect, it } from 'vitest';
import { providerFeed } from '../../../shared/article/provider-feed.js';
import { Ingester, type ObjectEvent } from '../../../shared/ingest/ingester.js';
import { recountTopics } from '../../../shared/ingest/reconcile.js';
import type { TopicRecount } from '../../../shared/store/types.js';
import { type ArticleFields, articleFile } from '../../support/articles.js';
import { bothStores } from '../../support/both-stores.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';

const { stores } = bothStores('providers-test');
let worlds = 0;

describe.each(stores)('provider feeds in %s', (_name, makeStore) => {
  /** A store, a bucket and an ingester; domains and keys unique to this world (the cases share one table). */
  function world() {
    const n = ++worlds;
    const store = makeStore();
    const objects = new MemoryObjects();
    const ingester = new Ingester({ store, objects, log: new RecordingLog(), maxObjectBytes: 1 << 20 });
    let second = 0;
    const domain = (name: string) => `${name}-${n}.example`;
    const feed = (name: string) => providerFeed(domain(name)) as string;
    const upload = (key: string, fields: ArticleFields, at?: number): ObjectEvent => {
      const object = objects.put(
        `${n}/${key}`,
        articleFile({ webUrl: `https://x.example/${n}/${key}`, ...fields }),
      );
      const eventTime = `2026-01-01T00:00:${String(at ?? ++second).padStart(2, '0')}.000Z`;
      object.lastModified = eventTime;
      return {
        kind: 'created',
        bucket: 'b',
        key: `${n}/${key}`,
        size: object.body.length,
        eTag: object.eTag,
        sequencer: (0x1000 + ++second).toString(16),
        eventTime,
      };
    };
    const remove = (key: string): ObjectEvent => {
      objects.delete(`${n}/${key}`);
      return {
        kind: 'removed',
        bucket: 'b',
        key: `${n}/${key}`,
        sequencer: (0x1000 + ++second).toString(16),
        eventTime: '2026-01-01T00:01:00.000Z',
      };
    };
    const apply = (e: ObjectEvent) => ingester.apply(e);
    const titles = async (name: string) =>
      (await store.queryEntries(feed(name), 50)).entries.map((e) => e.title);
    const count = async (name: string) => (await store.getTopic(feed(name)))?.count ?? 0;
    /** This world's providers as listed: [domain, name, count]. */
    const listed = async () =>
      (await store.listProviders())
        .filter((p) => p.domain.endsWith(`-${n}.example`))
        .map((p) => [p.domain, p.name, p.count]);
    return { store, domain, feed, upload, remove, apply, titles, count, listed };
  }

  it('puts a new article in its provider feed, listed by listProviders and not by listTopics', async () => {
    const w = world();
    await w.apply(w.upload('a.md', { title: 'One', provider: { name: 'Daily', domain: w.domain('daily') } }));
    await w.apply(w.upload('b.md', { title: 'Two', provider: { name: 'Daily', domain: w.domain('Daily') } }));
    expect((await w.titles('daily')).sort()).toEqual(['One', 'Two']);
    expect(await w.listed()).toEqual([[w.domain('daily'), 'Daily', 2]]);
    expect((await w.store.listTopics()).some((t) => t.slug.startsWith('_'))).toBe(false);
    const meta = await w.store.getTopic(w.feed('daily'));
    expect(meta).toMatchObject({ slug: w.feed('daily'), name: 'Daily', count: 2 });
  });

  it('an edited provider moves the article from one provider feed to the other, counts right', async () => {
    const w = world();
    await w.apply(w.upload('a.md', { title: 'A', provider: { name: 'Old', domain: w.domain('old') } }));
    await w.apply(w.upload('b.md', { title: 'B', provider: { name: 'Old', domain: w.domain('old') } }));
    const before = (await w.store.getTopic(w.feed('old')))?.revision ?? 0;
    await w.apply(w.upload('a.md', { title: 'A', provider: { name: 'New', domain: w.domain('new') } }));
    expect(await w.titles('old')).toEqual(['B']);
    expect(await w.titles('new')).toEqual(['A']);
    expect([await w.count('old'), await w.count('new')]).toEqual([1, 1]);
    // The feed it left changed: its revision (part of the ETag) moved.
    expect((await w.store.getTopic(w.feed('old')))?.revision).toBeGreaterThan(before);
    expect(await w.listed()).toEqual([
      [w.domain('new'), 'New', 1],
      [w.domain('old'), 'Old', 1],
    ]);
  });

  it('a removed provider, an unpublished article and a deleted file leave the provider feed', async () => {
    const w = world();
    const provider = { name: 'Gone', domain: w.domain('gone') };
    await w.apply(w.upload('a.md', { title: 'A', provider }));
    await w.apply(w.upload('b.md', { title: 'B', provider }));
    await w.apply(w.upload('c.md', { title: 'C', provider }));
    expect(await w.count('gone')).toBe(3);
    await w.apply(w.upload('a.md', { title: 'A', provider: null }));
    await w.apply(w.upload('b.md', { title: 'B', provider, published: false }));
    await w.apply(w.remove('c.md'));
    expect(await w.titles('gone')).toEqual([]);
    expect(await w.count('gone')).toBe(0);
    expect(await w.listed()).toEqual([]);
  });

  it("keeps the provider's name as first given, whatever order the uploads arrive in", async () => {
    const w = world();
    const late = w.upload('a.md', { title: 'A', provider: { name: 'The Daily', domain: w.domain('d') } }, 30);
    const early = w.upload(
      'b.md',
      { title: 'B', provider: { name: 'the daily', domain: w.domain('d') } },
      10,
    );
    const unnamed = w.upload('c.md', { title: 'C', provider: { domain: w.domain('d') } }, 5);
    await w.apply(unnamed);
    // No name given yet: the domain stands in.
    expect((await w.store.getTopic(w.feed('d')))?.name).toBe(w.domain('d'));
    await w.apply(late);
    await w.apply(early);
    expect(await w.listed()).toEqual([[w.domain('d'), 'the daily', 3]]);
  });

  it('a domain that is not a plain host name makes no provider feed; the article is still ingested', async () => {
    const w = world();
    expect(
      await w.apply(
        w.upload('a.md', { title: 'A', provider: { name: 'X', domain: 'https://x.example/news' } }),
      ),
    ).toBe('ingested');
    expect(await w.listed()).toEqual([]);
  });

  it('recount repairs a provider counter that drifted', async () => {
    const w = world();
    await w.apply(w.upload('a.md', { title: 'A', provider: { name: 'R', domain: w.domain('r') } }));
    // A lost decrement: the counter says 2, the feed holds 1.
    await w.store.touchTopic({ slug: w.feed('r'), name: 'R', countDelta: 1, at: '2026-01-01T00:02:00.000Z' });
    const store = w.store as unknown as TopicRecount;
    expect(await store.listTopicSlugs()).toContain(w.feed('r'));
    expect(await recountTopics(store, new RecordingLog())).toContain(w.feed('r'));
    expect(await w.count('r')).toBe(1);
  });
});
