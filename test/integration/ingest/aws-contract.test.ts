/**
 * The contract with AWS: the real ingest handler, with the real AWS SDK against dynalite and s3rver, driven by
 * events shaped field for field as AWS's documentation shows them (test/support/aws-events.ts): S3 messages
 * wrapped in SQS messages as the queue delivers them, S3 events sent straight to the function, the s3:TestEvent,
 * keys encoded as S3 encodes them ('+' for a space, UTF-8 percent-encoding), every ObjectCreated kind, and the
 * removals of a versioned bucket (a delete marker, a version deleted while the key remains).
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalS3 } from '../../../local/servers.js';
import type { DynamoStore } from '../../../shared/store/dynamodb.js';
import { articleFile } from '../../support/articles.js';
import {
  s3EventKey,
  s3Message,
  s3Record,
  s3TestEvent,
  sqsEvent,
  sqsRecord,
} from '../../support/aws-events.js';
import { type IngestHandlerStack, startIngestHandler } from '../../support/ingest-handler.js';

const BUCKET = 'articles';
const TABLE = 'aws-contract';

let stack: IngestHandlerStack;
let s3: LocalS3;
let store: DynamoStore;
let handler: IngestHandlerStack['handler'];
let sequence = 0x1000;

beforeAll(async () => {
  stack = await startIngestHandler(BUCKET, TABLE);
  ({ s3, store, handler } = stack);
});

afterAll(() => stack?.close());

/** S3 sequencers of one length here (ordering across lengths is tested with the ingest core). */
const nextSequencer = () => (sequence++).toString(16).toUpperCase().padStart(18, '0');
const versionId = () => `3HL4kqtJlcpXroDTDmJ${sequence.toString(36)}vhdUzrpBfvVd`;

/** Uploads a file and returns the record S3 would send for it. */
async function upload(key: string, body: string, eventName = 'ObjectCreated:Put'): Promise<S3EventRecord> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return s3Record({
    eventName,
    bucket: BUCKET,
    encodedKey: s3EventKey(key),
    size: Buffer.byteLength(body),
    eTag: createHash('md5').update(body).digest('hex'),
    versionId: versionId(),
    sequencer: nextSequencer(),
  });
}

const removal = (key: string, eventName: string): S3EventRecord =>
  s3Record({
    eventName,
    bucket: BUCKET,
    encodedKey: s3EventKey(key),
    versionId: versionId(),
    sequencer: nextSequencer(),
  });

const article = (n: string, topic: string) =>
  articleFile({ webUrl: `https://example.com/contract/${encodeURIComponent(n)}`, title: n, topics: [topic] });
const titles = async (feed: string) => (await store.queryEntries(feed, 200)).entries.map((e) => e.title);
const NO_FAILURES = { batchItemFailures: [] };

describe('ingest handler and the events AWS sends', () => {
  it('an S3 message in an SQS message, with every documented field, is ingested', async () => {
    const event = sqsEvent(s3Message(await upload('contract/full.md', article('Full', 'Contract'))));
    const record = event.Records[0];
    expect(record?.md5OfBody).toBe(
      createHash('md5')
        .update(record?.body ?? '')
        .digest('hex'),
    );
    expect(await handler(event)).toEqual(NO_FAILURES);
    expect(await titles('contract')).toEqual(['Full']);
  });

  it('every kind of ObjectCreated event is an upload', async () => {
    const kinds = ['Put', 'Post', 'Copy', 'CompleteMultipartUpload'];
    const records = [];
    for (const kind of kinds) {
      records.push(await upload(`kinds/${kind}.md`, article(kind, 'Kinds'), `ObjectCreated:${kind}`));
    }
    expect(await handler(sqsEvent(...records.map((r) => s3Message(r))))).toEqual(NO_FAILURES);
    expect((await titles('kinds')).sort()).toEqual([...kinds].sort());
  });

  it('reads keys as S3 encodes them: + for a space, %2B for a plus, UTF-8 percent-encoding', async () => {
    const keys = [
      'news/my first story.md',
      'maths/a+b=c.md',
      'Économie/Zürich café.md',
      '日本/東京の天気.txt',
      'launch 🚀 day.markdown',
      "punctuation/it's (almost) [done] & ~ok~!.md",
    ];
    const records = [];
    for (const [i, key] of keys.entries()) records.push(await upload(key, article(`Key ${i}`, 'Keys')));
    expect(records.map((r) => r.s3.object.key)).toEqual([
      'news/my+first+story.md',
      'maths/a%2Bb%3Dc.md',
      '%C3%89conomie/Z%C3%BCrich+caf%C3%A9.md',
      '%E6%97%A5%E6%9C%AC/%E6%9D%B1%E4%BA%AC%E3%81%AE%E5%A4%A9%E6%B0%97.txt',
      'launch+%F0%9F%9A%80+day.markdown',
      'punctuation/it%27s+%28almost%29+%5Bdone%5D+%26+%7Eok%7E%21.md',
    ]);
    expect(await handler(sqsEvent(...records.map((r) => s3Message(r))))).toEqual(NO_FAILURES);
    for (const key of keys) expect((await store.getFile(key))?.status, key).toBe('ok');
    expect(await titles('keys')).toHaveLength(keys.length);
  });

  it('acknowledges the s3:TestEvent, in an SQS message or alone, and changes nothing', async () => {
    const before = await store.getTopic('contract');
    expect(await handler(sqsEvent(s3TestEvent(BUCKET)))).toEqual(NO_FAILURES);
    expect(await handler(s3TestEvent(BUCKET) as unknown as S3Event)).toEqual(NO_FAILURES);
    expect(await store.getTopic('contract')).toEqual(before);
  });

  it('takes an S3 event sent straight to the function (no queue)', async () => {
    const event = s3Message(await upload('direct/one.md', article('Direct', 'Direct')));
    expect(await handler(event)).toEqual(NO_FAILURES);
    expect(await titles('direct')).toEqual(['Direct']);
  });

  it('a delete marker (a simple DELETE in a versioned bucket) removes the article', async () => {
    await handler(sqsEvent(s3Message(await upload('gone/marker.md', article('Marker', 'Gone')))));
    expect(await titles('gone')).toEqual(['Marker']);
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone/marker.md' }));
    const record = removal('gone/marker.md', 'ObjectRemoved:DeleteMarkerCreated');
    expect(record.s3.object).not.toHaveProperty('size');
    expect(record.s3.object).not.toHaveProperty('eTag');
    expect(await handler(sqsEvent(s3Message(record)))).toEqual(NO_FAILURES);
    expect(await titles('gone')).toEqual([]);
    expect((await store.getFile('gone/marker.md'))?.status).toBe('deleted');
  });

  it('deleting an old version while the key remains keeps the article; deleting the last one removes it', async () => {
    await handler(sqsEvent(s3Message(await upload('gone/version.md', article('Version', 'Versions')))));
    // ObjectRemoved:Delete of a noncurrent version: the key still has its current version.
    expect(await handler(sqsEvent(s3Message(removal('gone/version.md', 'ObjectRemoved:Delete'))))).toEqual(
      NO_FAILURES,
    );
    expect(await titles('versions')).toEqual(['Version']);
    // The current version deleted for good: nothing is left under the key.
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone/version.md' }));
    await handler(sqsEvent(s3Message(removal('gone/version.md', 'ObjectRemoved:Delete'))));
    expect(await titles('versions')).toEqual([]);
  });

  it('a message delivered again (ApproximateReceiveCount 2) changes nothing the first delivery did', async () => {
    const body = JSON.stringify(s3Message(await upload('again/twice.md', article('Twice', 'Again'))));
    await handler({ Records: [sqsRecord(body)] });
    const topic = await store.getTopic('again');
    expect(await handler({ Records: [sqsRecord(body, 2)] })).toEqual(NO_FAILURES);
    expect(await store.getTopic('again')).toEqual(topic);
    expect(await titles('again')).toEqual(['Twice']);
  });
});
