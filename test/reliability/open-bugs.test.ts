/**
 * Bugs found by the reliability checks, each as a test that fails until it is fixed (RELIABILITY.md,
 * Findings). Once one passes, move it to the suite it belongs to and delete it here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectEvent } from '../../functions/ingest/ingester.js';
import type { StoredObject } from '../../functions/ingest/objects.js';
import { frontMatter } from '../../reliability/hostile/catalogue.js';
import { tableAfter } from './memory-table.js';

/** A random bucket history over a few keys, two links and a topic spelled several ways; puts and removals. */
const randomHistory = fc
  .array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          op: fc.constant('put' as const),
          key: fc.constantFrom('a.md', 'b.md', 'c.md'),
          link: fc.constantFrom('1', '2'),
          topics: fc.subarray(['Japan', 'japan', 'JAPAN', 'Rural Sports', 'rural sports']),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          op: fc.constant('remove' as const),
          key: fc.constantFrom('a.md', 'b.md', 'c.md'),
        }),
      },
    ),
    { minLength: 1, maxLength: 7 },
  )
  .map((ops) => {
    const objects = new Map<string, StoredObject>();
    const events: ObjectEvent[] = [];
    ops.forEach((o, i) => {
      const eventTime = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      const sequencer = (0x100 + i).toString(16);
      if (o.op === 'remove') {
        objects.delete(o.key);
        events.push({ kind: 'removed', bucket: 'b', key: o.key, sequencer, eventTime });
        return;
      }
      const body = Buffer.from(
        frontMatter({
          title: `T${i}`,
          webUrl: `https://n.example.com/${o.link}`,
          publishedDateTime: '2021-03-14T01:27:54Z',
          topics: o.topics,
        }),
      );
      objects.set(o.key, { body, eTag: `e${i}`, lastModified: eventTime });
      events.push({
        kind: 'created',
        bucket: 'b',
        key: o.key,
        size: body.length,
        eTag: `e${i}`,
        sequencer,
        eventTime,
      });
    });
    return { objects, events };
  });

// Shrinks to: a.md (uploaded 00:00, link 1, topic "rural sports") and c.md (00:01, same link, "Rural Sports").
// In order the topic is named "rural sports"; with c.md's event first, a.md's older content is never shown,
// its spelling never reaches the topic, and the name stays "Rural Sports". The in-order result keeps a
// spelling from content no longer shown anywhere; a name taken from what the topic's articles show now (or
// from the spellings alone) would converge.
describe('ingest core: delivery order, any history', () => {
  it('leaves the same table for any order of the events of any short history', async () => {
    await fc.assert(
      fc.asyncProperty(
        randomHistory.chain((h) =>
          fc.tuple(fc.constant(h), fc.shuffledSubarray(h.events, { minLength: h.events.length })),
        ),
        async ([{ objects, events }, order]) => {
          expect(await tableAfter(order, objects)).toBe(await tableAfter(events, objects));
        },
      ),
      { seed: 20210314, numRuns: 300 },
    );
  });
});
