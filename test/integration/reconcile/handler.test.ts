/**
 * The real scheduled reconcile handler, with the real AWS SDK, against dynalite and s3rver over HTTP, invoked
 * with the event EventBridge sends on a schedule (AWS's documented "Scheduled Event" shape): it applies what
 * no S3 event announced (S3 filters are case-sensitive: `.Md`, `.TXT`), removes what vanished, is idempotent,
 * stops near its time limit and finishes on the next run, and counts and logs a file that failed for a
 * transient cause, which the next run applies.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledReconcile, type ScheduledReconcileSummary } from '../../../functions/reconcile/run.js';
import type { LocalS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import { Ingester } from '../../../shared/ingest/ingester.js';
import { S3Objects } from '../../../shared/ingest/objects.js';
import type { DynamoStore } from '../../../shared/store/dynamodb.js';
import { articleFile } from '../../support/articles.js';
import { RecordingLog } from '../../support/fakes.js';
import { type LocalAws, startLocalAws } from '../../support/local-aws.js';

const BUCKET = 'articles';
const TABLE = 'reconcile-handler';

let aws: LocalAws;
let s3: LocalS3;
let store: DynamoStore;
let handler: (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<ScheduledReconcileSummary>;
let stopMarginMs: number;

const scheduled: ScheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-12-07T03:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/Feedbucket-ReconcileSchedule'],
  detail: {},
};

/** A Lambda context with this much time left. */
const withTime = (ms: number) => ({ getRemainingTimeInMillis: () => ms });
const FULL_RUN = 15 * 60_000;

beforeAll(async () => {
  aws = await startLocalAws({
    table: TABLE,
    bucket: BUCKET,
    env: { BUCKET_NAME: BUCKET, RECOUNT_SETTLE_SECONDS: '0' },
  });
  ({ s3, store } = aws);
  const module = await import('../../../functions/reconcile/handler.js');
  handler = module.handler;
  stopMarginMs = module.STOP_MARGIN_MS;
});

afterAll(() => aws?.close());

const put = (key: string, body: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const titles = async (feed: string) => (await store.queryEntries(feed, 200)).entries.map((e) => e.title);

describe('scheduled reconcile handler', () => {
  it('applies uploads no event announced, whatever the case of their suffix, and ignores other files', async () => {
    await put(
      'notes/Story.Md',
      articleFile({ webUrl: 'https://example.com/1', title: 'Md', topics: ['Case'] }),
    );
    await put('LOUD.TXT', articleFile({ webUrl: 'https://example.com/2', title: 'TXT', topics: ['Case'] }));
    await put('plain.md', articleFile({ webUrl: 'https://example.com/3', title: 'md', topics: ['Case'] }));
    await put('photo.jpg', 'not an article');
    const summary = await handler(scheduled, withTime(FULL_RUN));
    expect(summary).toMatchObject({
      listed: 3,
      ingested: 3,
      removed: 0,
      rejected: 0,
      failed: 0,
      complete: true,
    });
    expect((await titles('case')).sort()).toEqual(['Md', 'TXT', 'md']);
    expect((await store.getTopic('case'))?.count).toBe(3);
  });

  it('is idempotent: a second run applies nothing and changes nothing', async () => {
    const before = await store.getTopic(ALL);
    expect(await handler(scheduled, withTime(FULL_RUN))).toMatchObject({
      listed: 3,
      ingested: 0,
      unchanged: 3,
      removed: 0,
      recounted: [],
      complete: true,
    });
    expect(await store.getTopic(ALL)).toEqual(before);
  });

  it('removes the article of a file deleted without an event, and corrects a drifted counter', async () => {
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'plain.md' }));
    await store.touchTopic({ slug: 'case', name: 'Case', countDelta: 5, at: new Date().toISOString() });
    const summary = await handler(scheduled, withTime(FULL_RUN));
    expect(summary).toMatchObject({ listed: 2, removed: 1, failed: 0, recounted: ['case'] });
    expect((await titles('case')).sort()).toEqual(['Md', 'TXT']);
    expect((await store.getTopic('case'))?.count).toBe(2);
  });

  it('stops starting files at its time limit, and the next run finishes them', async () => {
    for (let i = 0; i < 12; i++) {
      await put(
        `late/${i}.md`,
        articleFile({ webUrl: `https://example.com/late/${i}`, title: `L${i}`, topics: ['Late'] }),
      );
    }
    // Only the margin left: nothing may be started, and no recount either.
    const cut = await handler(scheduled, withTime(stopMarginMs));
    expect(cut).toMatchObject({ ingested: 0, unfinished: 12, complete: false, recounted: [] });
    expect(await titles('late')).toEqual([]);
    const next = await handler(scheduled, withTime(FULL_RUN));
    expect(next).toMatchObject({ ingested: 12, failed: 0, complete: true });
    expect(next.unfinished).toBeUndefined();
    expect((await store.getTopic('late'))?.count).toBe(12);
  });

  it('a file that fails for a transient cause is counted, logged with its key, and applied by the next run', async () => {
    await put(
      'flaky/one.md',
      articleFile({ webUrl: 'https://example.com/flaky', title: 'Flaky', topics: ['Flaky'] }),
    );
    const log = new RecordingLog();
    const s3Objects = new S3Objects(s3.client);
    let failing = true;
    // S3 not answering for this one key (after the SDK's own retries).
    const objects = {
      get: (bucket: string, key: string) =>
        failing && key === 'flaky/one.md'
          ? Promise.reject(new Error('ServiceUnavailable'))
          : s3Objects.get(bucket, key),
    };
    const run = () =>
      runScheduledReconcile({
        bucket: BUCKET,
        s3: s3.client,
        store,
        ingester: new Ingester({ store, objects, log, maxObjectBytes: 1024 * 1024 }),
        log,
        stopAt: Date.now() + FULL_RUN,
        settleMs: 0,
      });
    expect(await run()).toMatchObject({ ingested: 0, failed: 1 });
    expect(log.lines.find((l) => l.level === 'error')?.extra.key).toBe('flaky/one.md');
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', message: expect.stringMatching(/1 failed/) });
    failing = false;
    expect(await run()).toMatchObject({ ingested: 1, failed: 0, complete: true });
    expect(await titles('flaky')).toEqual(['Flaky']);
  });
});
