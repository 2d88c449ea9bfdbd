/**
 * The ingest function's local environments (worker threads running the real handler): a batch is ingested
 * into the table through the real S3 and DynamoDB servers, batches spread over the environments, and an
 * environment that cannot start fails its invocations with the handler's own error (the queue retries them),
 * and an invocation over the function's time or memory fails as in Lambda, its environment replaced.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS } from '../../../local/function-env.js';
import { IngestFunction, InvocationTimeout, RuntimeExitError } from '../../../local/ingest-function.js';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';

const TABLE = 'fn-test';
const BUCKET = 'articles';

const article = (n: number) =>
  [
    '---',
    `title: "Article ${n}"`,
    `webUrl: https://example.com/articles/${n}`,
    'publishedDateTime: 2026-11-01T10:00:00Z',
    'topics:',
    '  - Workers',
    '---',
    '',
  ].join('\n');

/** An SQS batch of S3 notifications, as the queue delivers it. */
const batch = (keys: string[], first: number): SQSEvent => ({
  Records: keys.map((key, i) => ({
    messageId: `m-${first + i}`,
    receiptHandle: 'r',
    body: JSON.stringify({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: new Date().toISOString(),
          s3: {
            bucket: { name: BUCKET },
            object: {
              key: encodeURIComponent(key),
              sequencer: (first + i + 1).toString(16).padStart(16, '0'),
            },
          },
        },
      ],
    }),
    attributes: {} as SQSEvent['Records'][number]['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:local',
    awsRegion: 'us-east-1',
  })),
});

describe('the ingest function in local environments', () => {
  let dir: string;
  let dynamo: LocalDynamo;
  let s3: LocalS3;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-fn-'));
    dynamo = await startDynamo();
    s3 = await startS3({ directory: dir, buckets: [BUCKET] });
    await ensureTable(dynamo.client, TABLE);
    env = {
      TABLE_NAME: TABLE,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
  });
  afterAll(async () => {
    await s3.close();
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests batches given to two environments side by side', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `fn/${i}.md`);
    for (const [i, key] of keys.entries()) {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: article(i) }));
    }
    const fn = new IngestFunction(env, 2);
    try {
      await fn.start();
      const answers = await Promise.all([
        fn.invoke(batch(keys.slice(0, 10), 0)),
        fn.invoke(batch(keys.slice(10), 10)),
      ]);
      expect(answers).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    } finally {
      await fn.close();
    }
    const store = new DynamoStore(dynamo.client, TABLE);
    expect((await store.getTopic(ALL))?.count).toBe(20);
    expect((await store.getTopic('workers'))?.count).toBe(20);
    const files = await store.getFiles(keys);
    expect([...files.values()].map((f) => f.status)).toEqual(keys.map(() => 'ok'));
  });

  it('fails the invocation with the handler’s own error when its environment cannot start, and again on retry', async () => {
    const { TABLE_NAME: _unset, ...withoutTable } = env;
    const fn = new IngestFunction(withoutTable, 1);
    try {
      await expect(fn.start()).rejects.toThrow(/TABLE_NAME/);
      // A retry starts a new environment, which fails the same way (nothing is half-applied).
      await expect(fn.invoke(batch(['fn/0.md'], 100))).rejects.toThrow(/TABLE_NAME/);
    } finally {
      await fn.close();
    }
  });

  it('refuses invocations once stopped', async () => {
    const fn = new IngestFunction(env, 1);
    await fn.start();
    await fn.close();
    await expect(fn.invoke(batch(['fn/1.md'], 200))).rejects.toThrow(/stopped/);
  });

  describe('the time and memory limits', () => {
    const limitsHandler = new URL('../../support/limits-handler.ts', import.meta.url).href;
    const waitFor = (waitMs: number, mark: string, holdMb = 0): SQSEvent =>
      ({
        Records: [{ messageId: 'm', body: JSON.stringify({ waitMs, mark, holdMb }) }],
      }) as unknown as SQSEvent;

    /** A function of one environment running the limits handler, started, and closed after `body`. */
    async function withFunction(
      options: { timeoutMs?: number; memoryMb?: number },
      body: (fn: IngestFunction) => Promise<void>,
    ): Promise<void> {
      const fn = new IngestFunction(env, 1, { ...options, handlerModule: limitsHandler });
      try {
        await fn.start();
        await body(fn);
      } finally {
        await fn.close();
      }
    }

    it('stops an invocation at its timeout, as Lambda does, and replaces its environment', () =>
      withFunction({ timeoutMs: 400 }, async (fn) => {
        const late = path.join(dir, 'late-mark');
        const quick = path.join(dir, 'quick-mark');
        const error = await fn.invoke(waitFor(1500, late)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvocationTimeout);
        expect((error as Error).message).toBe('Task timed out after 0.40 seconds');
        expect(fn.timeouts).toBe(1);
        // The handler was stopped where it was: past the time it wanted, it never wrote its mark.
        await new Promise((r) => setTimeout(r, 1500));
        expect(existsSync(late)).toBe(false);
        // A new environment takes the next invocation, which is given the whole limit again.
        expect(await fn.invoke(waitFor(0, quick))).toEqual({ batchItemFailures: [] });
        const left = Number(await readFile(quick, 'utf8'));
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThanOrEqual(400);
        expect(fn.threads()).toBe(1);
      }));

    it('ends an environment that outgrows the function’s memory, as Lambda does, and replaces it', () =>
      withFunction({ memoryMb: 128 }, async (fn) => {
        const fits = path.join(dir, 'fits-mark');
        const after = path.join(dir, 'after-mark');
        // 40 MB fit in 128 MB; 400 MB do not: the environment is killed before the handler finishes.
        expect(await fn.invoke(waitFor(0, fits, 40))).toEqual({ batchItemFailures: [] });
        expect((await readFile(fits, 'utf8')).split(' ')[1]).toBe('40');
        const error = await fn.invoke(waitFor(0, path.join(dir, 'never'), 400)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RuntimeExitError);
        expect((error as Error).message).toBe(
          "Runtime exited with error: signal: killed (the environment outgrew the function's 128 MB)",
        );
        expect(existsSync(path.join(dir, 'never'))).toBe(false);
        // The next invocation gets a new environment.
        expect(await fn.invoke(waitFor(0, after))).toEqual({ batchItemFailures: [] });
        expect(existsSync(after)).toBe(true);
      }));

    it('lets the other invocations of a timed-out environment finish within their own limits', () =>
      withFunction({ timeoutMs: 600 }, async (fn) => {
        const stuck = fn.invoke(waitFor(5000, path.join(dir, 'stuck'))).catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 300));
        // Started later in the same environment, finishes after the first one timed out.
        const other = fn.invoke(waitFor(450, path.join(dir, 'other')));
        expect(await stuck).toBeInstanceOf(InvocationTimeout);
        expect(await other).toEqual({ batchItemFailures: [] });
        expect(existsSync(path.join(dir, 'other'))).toBe(true);
      }));
  });
});
