/**
 * Bugs found by the reliability checks, each as a test that fails until it is fixed (RELIABILITY.md,
 * Findings). Once one passes, move its case into the catalogue (reliability/hostile/catalogue.ts) or the
 * suite it belongs to, and delete it here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ingester, type ObjectEvent } from '../../functions/ingest/ingester.js';
import type { StoredObject } from '../../functions/ingest/objects.js';
import { frontMatter, validFields } from '../../reliability/hostile/catalogue.js';
import { HostileWorld } from '../../reliability/hostile/harness.js';
import { MemoryStore } from '../../shared/store/memory.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const file = (lines: string) => Buffer.from(`${frontMatter(validFields()).slice(0, -4)}\n${lines}\n---\n`);

describe('shared/schema.ts: a YAML mapping where text is expected', () => {
  // String(value) in the error messages (lines 117, 186, 202, 255) throws for a mapping with a toString key;
  // the ingest core then rethrows (not an InvalidArticleError) and the handler retries the file forever.
  it.each([
    ['published', 'published: {toString: x}'],
    ['webUrl', 'webUrl: {toString: x}'],
    ['publishedDateTime', 'publishedDateTime: [{toString: x}]'],
    ['images', 'images: [{url: {toString: x}}]'],
  ])('%s: the file ends rejected (or ingested), never thrown', async (field, line) => {
    const text = file(line)
      .toString()
      .replace(new RegExp(`^${field}: .*\\n(?=[\\s\\S]*^${field}:)`, 'm'), '');
    const r = await new HostileWorld().ingest('a.md', Buffer.from(text));
    expect(r.reason?.split('\n')[0]).not.toMatch(/TypeError/);
    expect(['rejected', 'ingested']).toContain(r.outcome);
  });

  it('a title given as a mapping is refused with a reason that names the field', async () => {
    const text = file('')
      .toString()
      .replace(/^title: .*$/m, 'title: {text: "A title"}');
    const r = await new HostileWorld().ingest('a.md', Buffer.from(text));
    expect(r.outcome).toBe('rejected');
    expect(r.reason).toMatch(/title/);
  });
});

describe('ingest core: topic display names', () => {
  /** Three files naming one topic in different cases; their events, and the table after applying them. */
  function setup() {
    const objects = new Map<string, StoredObject>();
    const events: ObjectEvent[] = ['Rural Sports', 'rural sports', 'RURAL SPORTS'].map((topic, i) => {
      const body = Buffer.from(frontMatter(validFields({ topics: [topic, 'Japan'] })));
      objects.set(`${i}.md`, { body, eTag: `e${i}` });
      const time = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      return {
        kind: 'created',
        bucket: 'b',
        key: `${i}.md`,
        size: body.length,
        eTag: `e${i}`,
        sequencer: `${100 + i}`,
        eventTime: time,
      };
    });
    const names = async (order: ObjectEvent[]) => {
      const store = new MemoryStore();
      const ingester = new Ingester({
        store,
        objects: { get: async (_b, k) => objects.get(k) },
        log: quiet,
        maxObjectBytes: 1 << 20,
      });
      for (const e of order) await ingester.apply(e);
      return (await store.listTopics()).map((t) => `${t.slug}=${t.name}`).sort();
    };
    return { events, names };
  }

  it('do not depend on the order events are delivered in (S3 and SQS promise no order)', async () => {
    const { events, names } = setup();
    const inOrder = await names(events);
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(events, { minLength: events.length }), async (order) => {
        expect(await names(order)).toEqual(inOrder);
      }),
      { seed: 20210314, numRuns: 20 },
    );
  });
});
