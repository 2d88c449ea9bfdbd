/**
 * The real ingest handler, with the real AWS SDK, against dynalite (DynamoDB API) and s3rver (S3 API) over
 * HTTP: events arrive as S3 notifications wrapped in SQS messages, as in production.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import type { DynamoStore } from '../../../shared/store/dynamodb.js';
import { storedSequencer } from '../../../shared/store/sequencer.js';
import { type ArticleFields, articleFile } from '../../support/articles.js';
import { type IngestHandlerStack, startIngestHandler } from '../../support/ingest-handler.js';

const BUCKET = 'articles';
let stack: IngestHandlerStack;
let s3: LocalS3;
let store: DynamoStore;
let handler: IngestHandlerStack['handler'];
let sequencer = 0x10_0000;
let messageId = 0;

beforeAll(async () => {
  stack = await startIngestHandler(BUCKET, 'feedbucket-test');
  ({ s3, store, handler } = stack);
});

afterAll(() => stack?.close());

/** A key encoded as S3 encodes it in event notifications. */
const encodeKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

type Notice = { name: string; key: string; size?: number; bucket?: string; sequencer?: string };

const notification = (n: Notice) => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'us-east-1',
  eventTime: new Date().toISOString(),
  eventName: n.name,
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'ingest',
    bucket: {
      name: n.bucket ?? BUCKET,
      arn: `arn:aws:s3:::${n.bucket ?? BUCKET}`,
      ownerIdentity: { principalId: 'x' },
    },
    object: {
      key: encodeKey(n.key),
      size: n.size,
      sequencer: n.sequencer ?? (sequencer++).toString(16).toUpperCase(),
    },
  },
});

const sqsEvent = (notices: Notice[]): SQSEvent =>
  ({
    Records: notices.map((n) => ({
      messageId: `m${messageId++}`,
      eventSource: 'aws:sqs',
      body: JSON.stringify({ Records: [notification(n)] }),
    })),
  }) as unknown as SQSEvent;

async function put(key: string, content: string | ArticleFields): Promise<Notice> {
  const body = typeof content === 'string' ? content : articleFile(content);
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return { name: 'ObjectCreated:Put', key, size: Buffer.byteLength(body) };
}

async function del(key: string): Promise<Notice> {
  await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  return { name: 'ObjectRemoved:Delete', key };
}

const titles = async (feed: string) => (await store.queryEntries(feed, 200)).entries.map((e) => e.title);
const count = async (slug: string) => (await store.getTopic(slug))?.count ?? 0;

describe('ingest handler against dynalite and s3rver', () => {
  it('creates, updates, moves between topics, unpublishes and deletes', async () => {
    const key = 'politics/North Korea outreach.txt';
    const link = 'https://example.com/nk';
    expect(
      await handler(sqsEvent([await put(key, { webUrl: link, title: 'v1', topics: ['Diplomacy'] })])),
    ).toEqual({
      batchItemFailures: [],
    });
    expect(await titles('diplomacy')).toEqual(['v1']);

    await handler(sqsEvent([await put(key, { webUrl: link, title: 'v2', topics: ['Diplomacy'] })]));
    expect(await titles('diplomacy')).toEqual(['v2']);
    expect(await count('diplomacy')).toBe(1);

    await handler(sqsEvent([await put(key, { webUrl: link, title: 'v3', topics: ['Korea'] })]));
    expect(await titles('diplomacy')).toEqual([]);
    expect(await count('diplomacy')).toBe(0);
    expect(await titles('korea')).toEqual(['v3']);

    await handler(
      sqsEvent([await put(key, { webUrl: link, title: 'v3', topics: ['Korea'], published: false })]),
    );
    expect(await titles('korea')).toEqual([]);
    expect((await store.listTopics()).map((t) => t.slug)).not.toContain('korea');

    await handler(sqsEvent([await put(key, { webUrl: link, title: 'v4', topics: ['Korea'] })]));
    expect(await titles('korea')).toEqual(['v4']);
    await handler(sqsEvent([await del(key)]));
    expect(await titles('korea')).toEqual([]);
    expect(await store.getFile(key)).toMatchObject({ status: 'deleted' });
  });

  it('keeps one article for two files with the same link', async () => {
    const link = 'https://example.com/same';
    await handler(sqsEvent([await put('dup/a.md', { webUrl: link, title: 'A', topics: ['Dup'] })]));
    await handler(sqsEvent([await put('dup/b.md', { webUrl: link, title: 'B', topics: ['Dup'] })]));
    expect(await titles('dup')).toEqual(['B']);
    await handler(sqsEvent([await del('dup/b.md')]));
    expect(await titles('dup')).toEqual(['A']);
  });

  it('applies a replayed event once and ignores an older one arriving late', async () => {
    const first = await put('replay.md', {
      webUrl: 'https://example.com/r',
      title: 'old',
      topics: ['Replay'],
    });
    first.sequencer = '00A0';
    const second = await put('replay.md', {
      webUrl: 'https://example.com/r',
      title: 'new',
      topics: ['Replay'],
    });
    second.sequencer = '00B0';
    await handler(sqsEvent([second]));
    const topic = await store.getTopic('replay');
    await handler(sqsEvent([second, second]));
    await handler(sqsEvent([first]));
    expect(await titles('replay')).toEqual(['new']);
    expect(await store.getTopic('replay')).toEqual(topic);
  });

  it('counts every file of a concurrent batch in one topic', async () => {
    const notices = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        put(`batch/${i}.md`, { webUrl: `https://example.com/batch/${i}`, title: `B${i}`, topics: ['Batch'] }),
      ),
    );
    expect(await handler(sqsEvent(notices))).toEqual({ batchItemFailures: [] });
    expect(await count('batch')).toBe(30);
    expect((await store.queryEntries('batch', 200)).entries).toHaveLength(30);
  });

  it('rejects each kind of bad file with a listed reason, without failing the batch', async () => {
    const bad: [string, string | Buffer, RegExp][] = [
      ['bad/yaml.md', '---\ntitle: [x\n---\n', /not valid YAML/],
      ['bad/none.md', 'no front matter here', /no front matter/],
      ['bad/title.md', articleFile().replace(/^title: .*$/m, ''), /title is missing/],
      ['bad/link.md', articleFile({ webUrl: 'example.com/x' }), /not an absolute http\(s\) URL/],
      ['bad/date.md', articleFile({ publishedDateTime: 'soon' }), /"soon" is not a date/],
      ['bad/empty.md', '', /the file is empty/],
      ['bad/binary.md', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), /binary/],
    ];
    const notices: Notice[] = [];
    for (const [key, body] of bad) {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      notices.push({ name: 'ObjectCreated:Put', key, size: body.length });
    }
    notices.push({ name: 'ObjectCreated:Put', key: 'bad/huge.md', size: 5 * 1024 * 1024 });
    notices.push(
      await put('bad/fine.md', { webUrl: 'https://example.com/fine', title: 'Fine', topics: ['Fine'] }),
    );
    expect(await handler(sqsEvent(notices))).toEqual({ batchItemFailures: [] });

    const rejections = new Map((await store.listRejections()).map((r) => [r.key, r.reason]));
    for (const [key, , reason] of bad) expect(rejections.get(key)).toMatch(reason);
    expect(rejections.get('bad/huge.md')).toMatch(/the file is 5,120 KB, over the 1,024 KB limit/);
    expect(await titles('fine')).toEqual(['Fine']);

    // A valid re-upload clears the rejection.
    await handler(
      sqsEvent([await put('bad/yaml.md', { webUrl: 'https://example.com/y', title: 'Y', topics: ['Fine'] })]),
    );
    expect((await store.listRejections()).map((r) => r.key)).not.toContain('bad/yaml.md');
  });

  it('reports only the messages that failed for a transient cause', async () => {
    const ok = await put('partial/ok.md', {
      webUrl: 'https://example.com/p',
      title: 'P',
      topics: ['Partial'],
    });
    const event = sqsEvent([
      ok,
      { name: 'ObjectCreated:Put', key: 'x.md', size: 10, bucket: 'no-such-bucket' },
    ]);
    const failed = event.Records[1]?.messageId;
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: failed }] });
    expect(await titles('partial')).toEqual(['P']);
    expect(await count(ALL)).toBeGreaterThan(0);
  });

  it('takes no new message once two thirds of its time are used, and reports the rest failed, untouched', async () => {
    const notices = [];
    for (let i = 0; i < 7; i++)
      notices.push(
        await put(`late/${i}.md`, {
          webUrl: `https://example.com/late/${i}`,
          title: `L${i}`,
          topics: ['Late'],
        }),
      );
    const event = sqsEvent(notices);
    // A fake context: 30 s at the start, then 5 s less at each look (a slow table using the time up).
    let remaining = 35_000;
    const context = { getRemainingTimeInMillis: () => (remaining -= 5000) };
    const result = await handler(event, context);
    // Taken while at least a third (10 s) was left: 25, 20, 15, 10 s; not at 5 s and after.
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(4).map((r) => r.messageId),
    );
    expect((await titles('late')).sort()).toEqual(['L0', 'L1', 'L2', 'L3']);
    // Delivered again (with time to spare), the rest are ingested.
    const again = { Records: event.Records.slice(4) };
    expect(await handler(again, { getRemainingTimeInMillis: () => 30_000 })).toEqual({
      batchItemFailures: [],
    });
    expect((await titles('late')).sort()).toEqual(['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6']);
  });
});

/**
 * S3's ordering rule (User Guide, "Event message structure"): sequencers of one key can differ in length; the
 * shorter is right-padded with zeros, then they compare lexicographically. Each pair below is written in S3's
 * order (earlier, then later) with sequencers of different lengths, and delivered in both orders.
 */
describe('ingest handler: sequencers of different lengths, as S3 orders them', () => {
  const pairs: [string, string][] = [
    ['0055AED6DCD90281E5', '0055AED6DCD90282'], // the later one shorter (left-padding called it older)
    ['0055AED6DCD90281', '0055AED6DCD90281E5'], // the later one longer
    ['FF', '100'], // "FF" right-padded is "FF0": "100" is not after it
  ];
  let n = 0;
  const fields = (key: string, title: string) => ({
    webUrl: `https://example.com/${key}`,
    title,
    topics: [`Order ${key}`],
  });

  it.each(pairs.slice(0, 2))(
    'put then put (%s, then %s): delivered in order, the edit is kept',
    async (a, b) => {
      const key = `order-pp-${++n}`;
      await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: a }]));
      await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v2'))), sequencer: b }]));
      expect(await titles(`order-${key}`)).toEqual(['v2']);
      expect((await store.getFile(`${key}.md`))?.sequencer).toBe(storedSequencer(b));
    },
  );

  it.each(pairs.slice(0, 2))(
    'put then put (%s, then %s): delivered late, the earlier is stale',
    async (a, b) => {
      const key = `order-pp-${++n}`;
      const first = { ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: a };
      const second = { ...(await put(`${key}.md`, fields(key, 'v2'))), sequencer: b };
      await handler(sqsEvent([second]));
      await handler(sqsEvent([first]));
      expect(await titles(`order-${key}`)).toEqual(['v2']);
      expect((await store.getFile(`${key}.md`))?.sequencer).toBe(storedSequencer(b));
    },
  );

  it.each(pairs.slice(0, 2))(
    'put then delete (%s, then %s): in order, the delete is applied',
    async (a, b) => {
      const key = `order-pd-${++n}`;
      await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: a }]));
      await handler(sqsEvent([{ ...(await del(`${key}.md`)), sequencer: b }]));
      expect(await titles(`order-${key}`)).toEqual([]);
      expect(await store.getFile(`${key}.md`)).toMatchObject({
        status: 'deleted',
        sequencer: storedSequencer(b),
      });
    },
  );

  it.each(pairs.slice(0, 2))(
    'put then delete (%s, then %s): the put late, nothing comes back',
    async (a, b) => {
      const key = `order-pd-${++n}`;
      const created = { ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: a };
      const removed = { ...(await del(`${key}.md`)), sequencer: b };
      await handler(sqsEvent([removed]));
      await handler(sqsEvent([created]));
      expect(await titles(`order-${key}`)).toEqual([]);
      expect(await store.getFile(`${key}.md`)).toMatchObject({
        status: 'deleted',
        sequencer: storedSequencer(b),
      });
    },
  );

  it.each(pairs.slice(0, 2))(
    'delete then put (%s, then %s): in order, the new upload is kept',
    async (a, b) => {
      const key = `order-dp-${++n}`;
      await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: '00' }]));
      await handler(sqsEvent([{ ...(await del(`${key}.md`)), sequencer: a }]));
      await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v2'))), sequencer: b }]));
      expect(await titles(`order-${key}`)).toEqual(['v2']);
    },
  );

  it.each(pairs.slice(0, 2))(
    'delete then put (%s, then %s): the delete late, the upload stays',
    async (a, b) => {
      const key = `order-dp-${++n}`;
      await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: '00' }]));
      const removed = { ...(await del(`${key}.md`)), sequencer: a };
      const created = { ...(await put(`${key}.md`, fields(key, 'v2'))), sequencer: b };
      await handler(sqsEvent([created]));
      await handler(sqsEvent([removed]));
      expect(await titles(`order-${key}`)).toEqual(['v2']);
      expect((await store.getFile(`${key}.md`))?.sequencer).toBe(storedSequencer(b));
    },
  );

  it('a longer sequencer is not a later one: after "FF", "100" is stale', async () => {
    const key = `order-ff-${++n}`;
    const [a, b] = pairs[2] as [string, string];
    await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v1'))), sequencer: a }]));
    await handler(sqsEvent([{ ...(await put(`${key}.md`, fields(key, 'v2'))), sequencer: b }]));
    expect(await titles(`order-${key}`)).toEqual(['v1']);
    expect((await store.getFile(`${key}.md`))?.sequencer).toBe(storedSequencer(a));
  });
});
