/**
 * Articles ingested by the real ingest core (the code the ingest Lambda runs) into a store, through upload and
 * delete events, with a feeds app on the same store: for feeds tests that need what ingest writes (provider
 * feeds and their names, counts, removals).
 */
import { Ingester, type ObjectEvent } from '../../shared/ingest/ingester.js';
import type { FeedStore, IngestStore } from '../../shared/store/types.js';
import { type ArticleFields, articleFile } from './articles.js';
import { MemoryObjects, RecordingLog } from './fakes.js';
import { testApp } from './feeds-fixtures.js';

export interface Story extends ArticleFields {
  quality?: number;
  heat?: number;
}

export function ingestedWorld<S extends IngestStore & FeedStore>(store: S) {
  const objects = new MemoryObjects();
  const ingester = new Ingester({
    store,
    objects,
    log: new RecordingLog(),
    maxObjectBytes: 1 << 20,
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  let seq = 0x1000;
  const apply = (event: ObjectEvent) => ingester.apply(event);
  const stamp = () => {
    const n = seq++;
    return {
      sequencer: n.toString(16).toUpperCase(),
      eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, n - 0x1000)).toISOString(),
    };
  };
  /** Uploads (or overwrites) `key` with the story and applies its event. */
  const put = (key: string, s: Story) => {
    const extra = [
      s.extra,
      s.quality === undefined ? '' : `quality: ${s.quality}`,
      s.heat === undefined ? '' : `heat: ${s.heat}`,
    ]
      .filter(Boolean)
      .join('\n');
    const object = objects.put(key, articleFile({ ...s, extra }));
    const time = stamp();
    object.lastModified = time.eventTime;
    return apply({
      kind: 'created',
      bucket: 'articles',
      key,
      size: object.body.length,
      eTag: object.eTag,
      ...time,
    });
  };
  /** Deletes `key` and applies its event. */
  const remove = (key: string) => {
    objects.delete(key);
    return apply({ kind: 'removed', bucket: 'articles', key, ...stamp() });
  };
  return { store, put, remove, app: testApp({ store: store as never }) };
}
