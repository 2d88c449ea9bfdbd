/**
 * The file record's sequencer in both stores: the in-memory fake and the DynamoDB adapter (on dynalite, free
 * port). The order is enforced by the store itself (for DynamoDB, inside the condition expression), as S3
 * orders sequencers; and records stored before, with the sequencer left-padded to 32, are upgraded by the next
 * event of their key with the order kept.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { Ingester, type ObjectEvent } from '../../../../shared/ingest/ingester.js';
import { documentClient } from '../../../../shared/store/document-client.js';
import { LEGACY_WIDTH, storedSequencer } from '../../../../shared/store/sequencer.js';
import type { FileRecord } from '../../../../shared/store/types.js';
import { articleFile } from '../../../support/articles.js';
import { bothStores } from '../../../support/both-stores.js';
import { MemoryObjects, RecordingLog } from '../../../support/fakes.js';

const TABLE = 'file-sequencer-test';
const { stores, dynamo } = bothStores(TABLE);
/** The `seq` attribute the table's condition compares (DynamoDB only). */
const seqInTable = async (key: string) =>
  (
    await documentClient(dynamo().client).send(
      new GetCommand({ TableName: TABLE, Key: { pk: `K#${key}`, sk: 'K' } }),
    )
  ).Item?.seq;

let keys = 0;
/** A key not used before, so the cases share one table. */
const freshKey = () => `seq/${++keys}.md`;
const record = (key: string, sequencer: string): FileRecord => ({
  key,
  sequencer,
  status: 'deleted',
  at: '2026-01-01T00:00:00.000Z',
});
/** What the code before S3's rule stored: the sequencer left-padded to 32. */
const legacy = (sent: string) => sent.padStart(LEGACY_WIDTH, '0');

describe.each(stores)('file sequencers in %s', (name, makeStore) => {
  it('the store orders stored forms as S3 does, without the caller comparing', async () => {
    const store = makeStore();
    const [later, earlier] = [storedSequencer('FF'), storedSequencer('100')]; // "FF0" is after "100"
    const a = freshKey();
    expect(await store.putFile(record(a, earlier))).toBe(true);
    expect(await store.putFile(record(a, later))).toBe(true);
    expect(await store.putFile(record(a, earlier))).toBe(false);
    expect(await store.putFile(record(a, storedSequencer('FF00')))).toBe(false); // the same point as "FF"
    expect((await store.getFile(a))?.sequencer).toBe(later);
  });

  it('a legacy record is replaced only by the writer that read it or by a later event', async () => {
    const store = makeStore();
    const old = legacy('0055AED6DCD90281E5');
    const [b1, b2] = [storedSequencer('0055AED6DCD90282'), storedSequencer('0055AED6DCD9028301')];
    // Two events read the legacy record; the earlier writes first, then the later: both are applied.
    const k1 = freshKey();
    await store.putFile(record(k1, old));
    expect(await store.putFile(record(k1, b1), old)).toBe(true);
    expect(await store.putFile(record(k1, b2), old)).toBe(true);
    expect((await store.getFile(k1))?.sequencer).toBe(b2);
    // The later writes first: the earlier, which read the legacy record, is refused.
    const k2 = freshKey();
    await store.putFile(record(k2, old));
    expect(await store.putFile(record(k2, b2), old)).toBe(true);
    expect(await store.putFile(record(k2, b1), old)).toBe(false);
    expect((await store.getFile(k2))?.sequencer).toBe(b2);
    // Without having read it, no stored form replaces a legacy value (the two do not compare as strings).
    const k3 = freshKey();
    await store.putFile(record(k3, old));
    expect(await store.putFile(record(k3, b2))).toBe(false);
    expect((await store.getFile(k3))?.sequencer).toBe(old);
  });

  it('upgrades a record stored left-padded: the next events of its key are ordered as S3 orders them', async () => {
    const store = makeStore();
    const objects = new MemoryObjects();
    const ingester = new Ingester({ store, objects, log: new RecordingLog(), maxObjectBytes: 1024 * 1024 });
    const key = freshKey();
    const webUrl = `https://example.com/${encodeURIComponent(key)}`;
    const upload = (title: string, sequencer: string): ObjectEvent => {
      const object = objects.put(key, articleFile({ webUrl, title, topics: ['Upgrade'] }));
      return {
        kind: 'created',
        bucket: 'b',
        key,
        size: object.body.length,
        eTag: object.eTag,
        sequencer,
        eventTime: '2026-01-01T00:00:00.000Z',
      };
    };
    const titles = async () => (await store.queryEntries('upgrade', 50)).entries.map((e) => e.title);

    // v1 as the code before stored it: applied, then its file record rewritten with the left-padded sequencer.
    expect(await ingester.apply(upload('v1', '0055AED6DCD90281E5'))).toBe('ingested');
    const applied = (await store.getFile(key)) as FileRecord;
    expect(
      await store.putFile({ ...applied, sequencer: legacy('0055AED6DCD90281E5') }, applied.sequencer),
    ).toBe(true);
    if (name === 'the DynamoDB adapter') {
      expect(await seqInTable(key)).toBe(legacy('0055AED6DCD90281E5'));
    }

    // A replay of v1's event and an earlier, shorter one are stale.
    expect(await ingester.apply(upload('v1 again', '0055AED6DCD90281E5'))).toBe('stale');
    expect(await ingester.apply(upload('v0', '0055AED6DCD90281'))).toBe('stale');
    // A later, shorter one is applied (left-padding called it older): the record is in the stored form now.
    expect(await ingester.apply(upload('v2', '0055AED6DCD90282'))).toBe('ingested');
    expect(await titles()).toEqual(['v2']);
    expect((await store.getFile(key))?.sequencer).toBe(storedSequencer('0055AED6DCD90282'));
    if (name === 'the DynamoDB adapter') {
      expect(await seqInTable(key)).toBe(storedSequencer('0055AED6DCD90282'));
    }
    // From here S3's rule: one in between arriving late is stale, a longer later one is applied.
    expect(await ingester.apply(upload('v1.5', '0055AED6DCD90281F'))).toBe('stale');
    expect(await ingester.apply(upload('v3', '0055AED6DCD9028200A'))).toBe('ingested');
    expect(await titles()).toEqual(['v3']);
    // And a delete after it, shorter again, is applied.
    objects.delete(key);
    expect(
      await ingester.apply({
        kind: 'removed',
        bucket: 'b',
        key,
        sequencer: '0055AED6DCD903',
        eventTime: '2026-01-01T00:00:01.000Z',
      }),
    ).toBe('deleted');
    expect(await titles()).toEqual([]);
  });
});
