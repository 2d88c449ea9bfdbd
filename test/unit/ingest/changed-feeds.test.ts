/** The ingest core reports the feeds each event changed: what the WebSub publisher pings. */
import { describe, expect, it } from 'vitest';
import { ALL } from '../../../shared/article/model.js';
import { providerFeed } from '../../../shared/article/provider-feed.js';
import { Ingester, type ObjectEvent } from '../../../shared/ingest/ingester.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { type ArticleFields, articleFile } from '../../support/articles.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';

/** The provider feed of the test articles (example.com), sorted between ALL and the topics. */
const PROVIDER = providerFeed('example.com') as string;

function world() {
  const objects = new MemoryObjects();
  const ingester = new Ingester({
    store: new MemoryStore(),
    objects,
    log: new RecordingLog(),
    maxObjectBytes: 1024 * 1024,
  });
  let seq = 0x1000;
  const stamp = () => ({
    sequencer: (seq++).toString(16),
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(),
  });
  const upload = (key: string, fields: ArticleFields | string): ObjectEvent => {
    const object = objects.put(key, typeof fields === 'string' ? fields : articleFile(fields));
    const event = {
      kind: 'created' as const,
      bucket: 'b',
      key,
      size: object.body.length,
      eTag: object.eTag,
      ...stamp(),
    };
    object.lastModified = event.eventTime;
    return event;
  };
  const remove = (key: string): ObjectEvent => {
    objects.delete(key);
    return { kind: 'removed', bucket: 'b', key, ...stamp() };
  };
  /** Applies an event and returns the feeds it reported, sorted. */
  const changes = async (event: ObjectEvent) => {
    const changed = new Set<string>();
    await ingester.apply(event, { changed });
    return [...changed].sort();
  };
  return { upload, remove, changes };
}

describe('feeds an event changed', () => {
  it('a new article: its topics, its provider and all articles', async () => {
    const w = world();
    expect(await w.changes(w.upload('a.md', { topics: ['Election', 'Joe Biden'] }))).toEqual([
      ALL,
      PROVIDER,
      'election',
      'joe-biden',
    ]);
  });

  it('the same bytes again, or an event already applied: nothing', async () => {
    const w = world();
    const first = w.upload('a.md', { title: 'Same' });
    await w.changes(first);
    expect(await w.changes(w.upload('a.md', { title: 'Same' }))).toEqual([]);
    expect(await w.changes(first)).toEqual([]);
  });

  it('an edit, a move to other topics, an unpublish and a delete: the topics it is in and left', async () => {
    const w = world();
    await w.changes(w.upload('a.md', { topics: ['Election', 'Economy'] }));
    expect(await w.changes(w.upload('a.md', { topics: ['Election', 'Economy'], title: 'New' }))).toEqual([
      ALL,
      PROVIDER,
      'economy',
      'election',
    ]);
    expect(await w.changes(w.upload('a.md', { topics: ['Economy', 'Health'], title: 'New' }))).toEqual([
      ALL,
      PROVIDER,
      'economy',
      'election',
      'health',
    ]);
    expect(
      await w.changes(w.upload('a.md', { topics: ['Economy', 'Health'], title: 'New', published: false })),
    ).toEqual([ALL, PROVIDER, 'economy', 'health']);
    await w.changes(w.upload('a.md', { topics: ['Health'] }));
    expect(await w.changes(w.remove('a.md'))).toEqual([ALL, PROVIDER, 'health']);
  });

  it('a rejected file and a second file with the same link that is not shown: nothing', async () => {
    const w = world();
    expect(await w.changes(w.upload('bad.md', 'no front matter'))).toEqual([]);
    await w.changes(w.upload('a.md', { title: 'Shown' }));
    const late = w.upload('b.md', { title: 'Shown' });
    expect(await w.changes(late)).toEqual([]);
  });
});
