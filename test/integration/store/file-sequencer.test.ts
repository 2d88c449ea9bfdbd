/**
 * The file record's sequencer through the ingest core, in both stores: the in-memory fake and the DynamoDB
 * adapter (on dynalite, free port). Records stored before, with the sequencer left-padded to 32, are upgraded
 * by the next event of their key with the order kept. (The store's own ordering of sequencers is part of the
 * store contract suite, contract.test.ts.)
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { Ingester, type ObjectEvent } from '../../../shared/ingest/ingester.js';
import { documentClient } from '../../../shared/store/document-client.js';
import { LEGACY_WIDTH, storedSequencer } from '../../../shared/store/sequencer.js';
import { fileKey } from '../../../shared/store/table-layout.js';
import type { FileRecord } from '../../../shared/store/types.js';
import { articleFile } from '../../support/articles.js';
import { bothStores } from '../../support/both-stores.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';

const TABLE = 'file-sequencer-test';
const { stores, dynamo } = bothStores(TABLE);
/** The `seq` attribute the table's condition compares (DynamoDB only). */
const seqInTable = async (key: string) =>
  (await documentClient(dynamo().client).send(new GetCommand({ TableName: TABLE, Key: fileKey(key) }))).Item
    ?.seq;

let keys = 0;
/** A key not used before, so the cases share one table. */
const freshKey = () => `seq/${++keys}.md`;
/** What the code before S3's rule stored: the sequencer left-padded to 32. */
const legacy = (sent: string) => sent.padStart(LEGACY_WIDTH, '0');

describe.each(stores)('file sequencers in %s', (name, makeStore) => {
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
