/**
 * The local DynamoDB's throttle mode: a share of data requests answered with DynamoDB's
 * ProvisionedThroughputExceededException (HTTP 400), which the real SDK retries as throttling; table
 * management is left alone. The ingest handler under it loses and duplicates nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_REGION, S3RVER_CREDENTIALS } from '../../../local/function-env.js';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';

const TABLE = 'throttled';
let dynamo: LocalDynamo;
let s3: LocalS3;
let dir: string;

const client = (maxAttempts: number) =>
  new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fb-throttle-'));
  // Every data request throttled from the start: creating the table still works.
  dynamo = await startDynamo({ throttle: 1 });
  s3 = await startS3({ directory: dir, buckets: ['articles'] });
  await ensureTable(dynamo.client, TABLE);
});

afterAll(async () => {
  await Promise.all([dynamo?.close(), s3?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('the local DynamoDB in throttle mode', () => {
  it('answers data requests as DynamoDB does when throttling, and the SDK retries them as throttling', async () => {
    dynamo.throttle(1);
    const c = client(3);
    const error = (await c
      .send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'a' }, sk: { S: 'b' } } }))
      .catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.message).toMatch(/provisioned throughput for the table was exceeded/);
    expect(error.$metadata.httpStatusCode).toBe(400);
    // Three attempts, with the SDK's throttling back-off between them.
    expect(error.$metadata.attempts).toBe(3);
    c.destroy();
  });

  it('throttles about the share asked for, and nothing at 0', async () => {
    dynamo.throttle(0.3);
    const before = await dynamo.throttleCounts();
    const c = client(1);
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        c.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `p${i}` }, sk: { S: 's' } } })).then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      ),
    );
    const throttled = outcomes.filter((o) => o === 'ProvisionedThroughputExceededException').length;
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'ProvisionedThroughputExceededException')).toEqual([]);
    // 30 % of 400 is 120; a binomial spread of ±4.5 standard deviations.
    expect(throttled).toBeGreaterThan(80);
    expect(throttled).toBeLessThan(160);
    const after = await dynamo.throttleCounts();
    expect(after.requests - before.requests).toBe(400);
    expect(after.throttled - before.throttled).toBe(throttled);
    dynamo.throttle(0);
    await c.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'z' }, sk: { S: 's' } } }));
    c.destroy();
  });

  it('leaves the ingest handler’s result whole: each file once, every count right', async () => {
    dynamo.throttle(0);
    await ensureTable(dynamo.client, 'feedbucket-throttled');
    Object.assign(process.env, {
      TABLE_NAME: 'feedbucket-throttled',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      POWERTOOLS_METRICS_DISABLED: 'true',
      LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('../../../functions/ingest/handler.js');
    const keys = Array.from({ length: 24 }, (_, i) => `t/${i}.md`);
    for (const [i, key] of keys.entries()) {
      const body = `---\ntitle: "T${i}"\nwebUrl: https://example.com/t/${i}\npublishedDateTime: 2026-11-01T10:00:00Z\ntopics:\n  - Throttled\n---\n`;
      await s3.client.send(new PutObjectCommand({ Bucket: 'articles', Key: key, Body: body }));
    }
    const message = (key: string, i: number) => ({
      messageId: `m${i}`,
      eventSource: 'aws:sqs',
      body: JSON.stringify({
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            eventTime: new Date().toISOString(),
            s3: {
              bucket: { name: 'articles' },
              object: { key, sequencer: (i + 1).toString(16).padStart(16, '0') },
            },
          },
        ],
      }),
    });
    dynamo.throttle(0.2);
    // Delivered as SQS would: the failed messages again (at most five receives), some twice besides.
    let pending = keys.map(message);
    const twice = pending.slice(0, 8);
    for (let receive = 1; receive <= 5 && pending.length; receive++) {
      const res = await handler({
        Records: [...pending, ...(receive === 1 ? twice : [])],
      } as unknown as SQSEvent);
      const failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
      pending = pending.filter((m) => failed.has(m.messageId));
    }
    dynamo.throttle(0);
    expect(pending).toEqual([]);
    const store = new DynamoStore(dynamo.client, 'feedbucket-throttled');
    expect((await store.getTopic('throttled'))?.count).toBe(24);
    expect((await store.getTopic(ALL))?.count).toBe(24);
    const entries = (await store.queryEntries('throttled', 100)).entries;
    expect(new Set(entries.map((e) => e.title)).size).toBe(24);
    expect(entries).toHaveLength(24);
    expect((await dynamo.throttleCounts()).throttled).toBeGreaterThan(0);
  });
});
