/**
 * Delivery order must not change the table: S3 and SQS promise no order, so the same bucket events applied in
 * any order must leave what applying them in the order they happened leaves (write counters aside). Found
 * failing by the event storm of `npm run reliability` (topic display names), fixed in 4006ea2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectEvent } from '../../../shared/ingest/ingester.js';
import type { StoredObject } from '../../../shared/ingest/objects.js';
import { frontMatter } from '../../../tools/reliability/hostile/catalogue.js';
import { tableAfter } from '../../support/memory-table.js';

/**
 * A bucket's history: files naming topics in different cases, an edit that drops a topic, a removal. Each
 * event reads the object as it is now (as S3 events do), so an old event may carry newer content.
 */
function history() {
  const objects = new Map<string, StoredObject>();
  const events: ObjectEvent[] = [];
  let seq = 0x100;
  const put = (key: string, fields: Record<string, unknown>) => {
    const body = Buffer.from(frontMatter({ publishedDateTime: '2021-03-14T01:27:54Z', ...fields }));
    const eventTime = new Date(Date.UTC(2026, 0, 1, 0, seq - 0x100)).toISOString();
    // As S3 answers GetObject: the content with the time it was written.
    objects.set(key, { body, eTag: `e${seq}`, lastModified: eventTime });
    events.push({
      kind: 'created',
      bucket: 'b',
      key,
      size: body.length,
      eTag: `e${seq}`,
      sequencer: (seq++).toString(16),
      eventTime,
    });
  };
  put('a.md', { title: 'A', webUrl: 'https://n.example.com/a', topics: ['Rural Sports', 'Japan'] });
  put('b.md', { title: 'B', webUrl: 'https://n.example.com/b', topics: ['rural sports', 'japan'] });
  put('c.md', { title: 'C', webUrl: 'https://n.example.com/c', topics: ['RURAL SPORTS'] });
  put('a.md', { title: 'A2', webUrl: 'https://n.example.com/a', topics: ['Japan'] });
  objects.delete('c.md');
  events.push({
    kind: 'removed',
    bucket: 'b',
    key: 'c.md',
    sequencer: (seq++).toString(16),
    eventTime: '2026-01-01T00:10:00.000Z',
  });
  return { objects, events };
}

describe('ingest core: delivery order (S3 and SQS promise none)', () => {
  it('does not change the table: any order of the same events leaves what the in-order ingest leaves', async () => {
    const { objects, events } = history();
    const inOrder = await tableAfter(events, objects);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(events, { minLength: events.length }), async (order) => {
        expect(await tableAfter(order, objects)).toBe(inOrder);
      }),
      { seed: 20210314, numRuns: 60 },
    );
  });
});
