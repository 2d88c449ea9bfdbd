/**
 * A feed's display name, applied by the ingest core over the store's claim primitives (feed-names.ts), the
 * same in both stores: the in-memory fake and the DynamoDB adapter (on dynalite,
 * free port). The name kept is the claim given first (earliest time, then the smaller spelling), whatever
 * order the claims arrive in. RELIABILITY.md finding 3: the adapter ignored an earlier claim of the spelling
 * it kept, so a spelling given in between took the name, and the event storm's table differed from a clean
 * ingest (which was itself wrong for another topic).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { touchFeed } from '../../../shared/ingest/feed-names.js';
import { Ingester, type ObjectEvent } from '../../../shared/ingest/ingester.js';
import { documentClient } from '../../../shared/store/document-client.js';
import { DynamoStore } from '../../../shared/store/dynamodb.js';
import { topicKey } from '../../../shared/store/table-layout.js';
import { articleFile } from '../../support/articles.js';
import { bothStores } from '../../support/both-stores.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';
import { orders } from '../../support/histories.js';

const TABLE = 'topic-names-test';
const { stores, dynamo } = bothStores(TABLE);

const at = (second: number) => `2026-11-21T11:08:${String(second).padStart(2, '0')}.000Z`;
let slugs = 0;
/** A slug not used before, so the cases share one table. */
const freshSlug = (base: string) => `${base}-${++slugs}`;

describe.each(stores)("a topic's name in %s", (_name, makeStore) => {
  /** Applies the claims in `order` to a new topic; returns the name kept. */
  async function nameAfter(claims: [name: string, second: number | undefined][], order: number[]) {
    const store = makeStore();
    const slug = freshSlug('t');
    for (const i of order) {
      const [name, second] = claims[i] as [string, number | undefined];
      await touchFeed(store, {
        slug,
        name,
        nameGivenAt: second === undefined ? undefined : at(second),
        countDelta: 1,
        at: at(59),
      });
    }
    return (await store.getTopic(slug))?.name;
  }

  it('keeps the earliest claim whatever the order, an earlier claim of the kept spelling included', async () => {
    // The claims T#local-policy got in the storm (and a tie at :33).
    const claims: [string, number][] = [
      ['Local Policy', 38],
      ['Local Policy', 33],
      ['local policy', 34],
      ['local policy', 33],
    ];
    for (const order of orders([0, 1, 2, 3])) {
      expect(await nameAfter(claims, order), `order ${order}`).toBe('Local Policy');
    }
  });

  it('a tie in time goes to the smaller spelling as UTF-8 bytes (as DynamoDB compares), in any order', async () => {
    // U+FF21 sorts before U+1F600 as code points and UTF-8, after it as JavaScript's UTF-16 units.
    const claims: [string, number][] = [
      ['x\u{1F600}', 33],
      ['x\uFF21', 33],
      ['ελλάδα', 33],
      ['Ελλάδα', 33],
    ];
    for (const order of orders([0, 1])) expect(await nameAfter(claims, order)).toBe('x\uFF21');
    for (const order of orders([2, 3])) expect(await nameAfter(claims, order)).toBe('Ελλάδα');
  });

  it('a change that gives no spelling never takes the name from one that does', async () => {
    const claims: [string, number | undefined][] = [
      ['local-policy', undefined],
      ['local policy', 40],
    ];
    for (const order of orders([0, 1])) expect(await nameAfter(claims, order)).toBe('local policy');
  });

  it('claims written at the same time (several functions at once) keep the earliest', async () => {
    const store = makeStore();
    const slug = freshSlug('concurrent');
    const claims = Array.from({ length: 16 }, (_, i) => ({
      name: i % 2 ? 'local policy' : 'Local Policy',
      second: 20 + ((i * 7) % 16),
    }));
    await Promise.all(
      claims.map(({ name, second }) =>
        touchFeed(store, { slug, name, nameGivenAt: at(second), countDelta: 1, at: at(59) }),
      ),
    );
    // The earliest claim (:20) is i = 0, "Local Policy"; then :21 is i = 7, "local policy".
    expect(await store.getTopic(slug)).toMatchObject({ name: 'Local Policy', count: 16 });
  });

  it('through the ingest core: the storm history of T#local-policy leaves the in-order name', async () => {
    // Uploads at :33 "Local Policy", :34 "local policy", :38 "Local Policy" (three links); in the storm
    // the :38 event came first and "local policy" was kept.
    const uploads: [string, string, number][] = [
      ['000082.txt', 'Local Policy', 33],
      ['000247.txt', 'local policy', 34],
      ['000421.txt', 'Local Policy', 38],
    ];
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [2, 1, 0],
    ]) {
      const store = makeStore();
      const objects = new MemoryObjects();
      const ingester = new Ingester({ store, objects, log: new RecordingLog(), maxObjectBytes: 1 << 20 });
      const topic = `Local Policy ${++slugs}`;
      const events: ObjectEvent[] = uploads.map(([key, name, second], i) => {
        const spelled = name === 'Local Policy' ? topic : topic.toLowerCase();
        const object = objects.put(
          `${slugs}/${key}`,
          articleFile({ webUrl: `https://example.com/${slugs}/${key}`, topics: [spelled] }),
        );
        object.lastModified = at(second);
        return {
          kind: 'created',
          bucket: 'articles',
          key: `${slugs}/${key}`,
          size: object.body.length,
          eTag: object.eTag,
          sequencer: (0x100 + i).toString(16),
          eventTime: at(second),
        };
      });
      for (const i of order) await ingester.apply(events[i] as ObjectEvent);
      const meta = await store.getTopic(`local-policy-${slugs}`);
      expect(meta, `order ${order}`).toMatchObject({ name: topic, count: 3 });
    }
  });
});

describe('the DynamoDB adapter keeps the time of the name kept', () => {
  it('lowers it for an earlier claim of the same spelling', async () => {
    const store = new DynamoStore(dynamo().client, TABLE);
    const slug = freshSlug('kept-time');
    for (const second of [38, 33, 36]) {
      await touchFeed(store, { slug, name: 'Kept', nameGivenAt: at(second), countDelta: 0, at: at(59) });
    }
    const { Item } = await documentClient(dynamo().client).send(
      new GetCommand({ TableName: TABLE, Key: topicKey(slug) }),
    );
    expect(Item).toMatchObject({ name: 'Kept', nameAt: at(33) });
  });
});
