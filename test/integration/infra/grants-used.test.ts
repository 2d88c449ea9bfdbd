/**
 * The IAM actions the stack grants are exactly the ones the code calls: the real ingest core and the real feeds
 * app run against dynalite and s3rver with every SDK call recorded, and the recorded calls, as IAM actions, are
 * compared with the grants of infra/constructs/article-table.ts, ingest.ts and reconcile.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledReconcile } from '../../../functions/reconcile/run.js';
import { FEEDS_ACTIONS, INGEST_ACTIONS, RECONCILE_ACTIONS } from '../../../infra/constructs/article-table.js';
import { LOCAL_REGION } from '../../../local/function-env.js';
import {
  type LocalDynamo,
  type LocalS3,
  localS3Client,
  startDynamo,
  startS3,
} from '../../../local/servers.js';
import { createFeedsApp } from '../../../shared/feeds/app.js';
import { Ingester } from '../../../shared/ingest/ingester.js';
import { S3Objects } from '../../../shared/ingest/objects.js';
import type { Log } from '../../../shared/logger.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';

const TABLE = 'grants';
const BUCKET = 'articles';
const dynamoClientFor = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** API operations whose IAM action has another name. */
const IAM_ACTION_OF: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket' };

/** Records the IAM action of every command sent by a client (`GetItemCommand` -> `dynamodb:GetItem`). */
function record(client: DynamoDBClient | S3Client, service: string, into: Set<string>): void {
  // Both clients share the Smithy middleware stack; only their type parameters differ.
  const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
  stack.add(
    (next, context) => (args) => {
      const operation = `${service}:${String(context.commandName).replace(/Command$/, '')}`;
      into.add(IAM_ACTION_OF[operation] ?? operation);
      return next(args);
    },
    { step: 'initialize', name: 'recordIamAction' },
  );
}

const article = (n: number, topics: string[], title = `Article ${n}`) =>
  [
    '---',
    `title: "${title}"`,
    `webUrl: "https://example.com/articles/${n}"`,
    `publishedDateTime: 2024-05-0${n}T10:00:00Z`,
    'topics:',
    ...topics.map((t) => `  - ${t}`),
    '---',
    `Body of article ${n}.`,
    '',
  ].join('\n');

describe('grants match the calls the code makes', () => {
  let dir: string;
  let dynamo: LocalDynamo;
  let s3: LocalS3;
  const feedsCalls = new Set<string>();

  /** Clients of the code under test, recording the IAM actions of their calls. */
  const recordedClients = () => {
    const dynamoCalls = new Set<string>();
    const s3Calls = new Set<string>();
    const ddb = dynamoClientFor(dynamo.endpoint);
    const objects = localS3Client(s3.endpoint);
    record(ddb, 'dynamodb', dynamoCalls);
    record(objects, 's3', s3Calls);
    return { ddb, objects, dynamoCalls, s3Calls };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedbucket-grants-'));
    [dynamo, s3] = await Promise.all([startDynamo(), startS3({ directory: dir, buckets: [BUCKET] })]);
    await ensureTable(dynamo.client, TABLE);
  });
  afterAll(async () => {
    await Promise.all([dynamo?.close(), s3?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingest: create, edit, move topics, duplicate link, reject, delete', async () => {
    // Separate clients for the code under test, so that the set-up calls below are not recorded.
    const { ddb, objects, dynamoCalls, s3Calls } = recordedClients();
    const ingester = new Ingester({
      store: new DynamoStore(ddb, TABLE),
      objects: new S3Objects(objects),
      log: quiet,
      maxObjectBytes: 1024 * 1024,
    });
    let seq = 0;
    const put = async (key: string, body: string) => {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      return ingester.apply({
        kind: 'created',
        bucket: BUCKET,
        key,
        size: Buffer.byteLength(body),
        sequencer: (++seq).toString(16).padStart(16, '0'),
        eventTime: new Date(Date.UTC(2024, 5, 1, 0, seq)).toISOString(),
      });
    };
    const remove = async (key: string) => {
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      return ingester.apply({
        kind: 'removed',
        bucket: BUCKET,
        key,
        sequencer: (++seq).toString(16).padStart(16, '0'),
        eventTime: new Date(Date.UTC(2024, 5, 1, 0, seq)).toISOString(),
      });
    };
    expect(await put('a.md', article(1, ['Space', 'Science']))).toBe('ingested');
    expect(await put('b.md', article(2, ['Space']))).toBe('ingested');
    expect(await put('a.md', article(1, ['Travel'], 'Edited'))).toBe('ingested');
    expect(await put('copy-of-b.md', article(2, ['Space']))).toBe('unchanged');
    expect(await put('bad.md', 'no front matter at all')).toBe('rejected');
    expect(await remove('copy-of-b.md')).toBe('deleted');
    expect(await remove('b.md')).toBe('deleted');
    ddb.destroy();
    objects.destroy();

    expect([...dynamoCalls].sort()).toEqual([...INGEST_ACTIONS].sort());
    expect([...s3Calls]).toEqual(['s3:GetObject']);
  });

  it('feeds: every route reads with exactly the feeds grants', async () => {
    const ddb = dynamoClientFor(dynamo.endpoint);
    record(ddb, 'dynamodb', feedsCalls);
    const app = createFeedsApp({
      store: new DynamoStore(ddb, TABLE),
      config: {
        siteTitle: 'grants',
        maxAge: 60,
        staleWhileRevalidate: 60,
        defaultLimit: 50,
        maxLimit: 200,
        publicBaseUrl: 'https://feeds.example.com',
      },
      log: quiet,
      metaTtlMs: 0,
    });
    const paths = [
      '/',
      '/rss.xml',
      '/atom.xml?limit=1',
      '/feed.json',
      '/topics.json',
      '/feeds.opml?format=atom',
      '/topics/travel/rss.xml',
      '/topics/science,travel/atom.xml',
      '/topics/travel',
      '/topics/nowhere/rss.xml',
    ];
    for (const path of paths) {
      const [p, q = ''] = path.split('?');
      const res = await app({ method: 'GET', path: p as string, query: new URLSearchParams(q), headers: {} });
      expect(res.status, path).toBeLessThan(500);
    }
    ddb.destroy();
    expect([...feedsCalls].sort()).toEqual([...FEEDS_ACTIONS].sort());
  });

  it('scheduled reconcile: a missed upload, a mixed-case suffix, a vanished file, a drifted counter', async () => {
    const { ddb, objects, dynamoCalls, s3Calls } = recordedClients();
    const store = new DynamoStore(ddb, TABLE);
    const setup = new DynamoStore(dynamo.client, TABLE);
    // Uploads that no event announced; a.md vanishes from the bucket unannounced; a counter drifts.
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'missed.md', Body: article(3, ['Space']) }),
    );
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'Mixed.Md', Body: article(4, ['Moon']) }),
    );
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a.md' }));
    await setup.touchTopic({ slug: 'science', name: 'Science', countDelta: 2, at: new Date().toISOString() });

    const summary = await runScheduledReconcile({
      bucket: BUCKET,
      s3: objects,
      store,
      ingester: new Ingester({
        store,
        objects: new S3Objects(objects),
        log: quiet,
        maxObjectBytes: 1024 * 1024,
      }),
      log: quiet,
      stopAt: Date.now() + 60 * 60_000,
      settleMs: 0,
    });
    ddb.destroy();
    objects.destroy();
    expect(summary).toMatchObject({ ingested: 2, removed: 1, failed: 0, complete: true });
    expect(summary.recounted).toEqual(['science']);

    expect([...dynamoCalls].sort()).toEqual([...RECONCILE_ACTIONS].sort());
    expect([...s3Calls].sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });
});
