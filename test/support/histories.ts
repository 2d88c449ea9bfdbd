/**
 * Random bucket histories for delivery-order properties: a few keys, two links, topics spelled several ways,
 * providers (two domains, names spelled several ways, or none), puts and removals. Two changes share each second, as S3's LastModified (one-second resolution) makes
 * uploads in the same second tie. Each event reads the object as it is at the end (as a late event does).
 */
import fc from 'fast-check';
import type { ObjectEvent } from '../../shared/ingest/ingester.js';
import type { StoredObject } from '../../shared/ingest/objects.js';
import { frontMatter } from '../../tools/reliability/hostile/catalogue.js';

export interface History {
  objects: Map<string, StoredObject>;
  /** In the order the bucket changed. */
  events: ObjectEvent[];
}

export const randomHistory: fc.Arbitrary<History> = fc
  .array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          op: fc.constant('put' as const),
          key: fc.constantFrom('a.md', 'b.md', 'c.md'),
          link: fc.constantFrom('1', '2'),
          topics: fc.subarray(['Japan', 'japan', 'JAPAN', 'Rural Sports', 'rural sports']),
          provider: fc.constantFrom<Record<string, string> | undefined>(
            undefined,
            { name: 'Example News', domain: 'example.com' },
            { name: 'example news', domain: 'Example.COM' },
            { domain: 'example.com' },
            { name: 'Other Paper', domain: 'other.org' },
          ),
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
      const eventTime = new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 2))).toISOString();
      // Of varying lengths, as S3's: increasing under its rule (right-padded), not as numbers ("10222" before "103").
      const sequencer = `${(0x100 + i).toString(16)}${'2'.repeat(i % 3)}`.replace(/0+$/, '');
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
          ...(o.provider ? { provider: o.provider } : {}),
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

/** Every order of `items` (n! of them: for a few items only). */
export const orders = <T>(items: T[]): T[][] =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, i) =>
        orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
      );

/** A history with a shuffled copy of its events (every event once, any order). */
export const historyAndOrder = randomHistory.chain((h) =>
  fc.tuple(fc.constant(h), fc.shuffledSubarray(h.events, { minLength: h.events.length })),
);
