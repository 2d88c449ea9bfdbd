/** Reconciliation of the bucket against the table, with the real SDK against s3rver and dynalite. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import { Ingester } from '../../../shared/ingest/ingester.js';
import { S3Objects } from '../../../shared/ingest/objects.js';
import { reconcileBucket, recountTopics } from '../../../shared/ingest/reconcile.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { articleFile } from '../../support/articles.js';
import { RecordingLog } from '../../support/fakes.js';

const BUCKET = 'articles';
let dynamo: LocalDynamo;
let s3: LocalS3;
let dir: string;
let store: DynamoStore;
let ingester: Ingester;
const log = new RecordingLog();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedbucket-reconcile-'));
  [dynamo, s3] = await Promise.all([startDynamo(), startS3({ directory: dir, buckets: [BUCKET] })]);
  await ensureTable(dynamo.client, 'reconcile');
  store = new DynamoStore(dynamo.client, 'reconcile');
  ingester = new Ingester({ store, objects: new S3Objects(s3.client), log, maxObjectBytes: 1024 * 1024 });
});

afterAll(async () => {
  await Promise.all([dynamo?.close(), s3?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const run = (force = false) =>
  reconcileBucket({ bucket: BUCKET, s3: s3.client, store, ingester, log, force, concurrency: 4 });

const put = (key: string, body: string) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

describe('reconcileBucket', () => {
  it('ingests what the table misses, skips what it has, removes what the bucket lost', async () => {
    for (let i = 0; i < 25; i++) {
      await put(
        `r/${i}.md`,
        articleFile({ webUrl: `https://example.com/r/${i}`, title: `R${i}`, topics: ['Recon'] }),
      );
    }
    await put('r/bad.md', 'no front matter');
    await put('r/readme.pdf', 'not an article');
    const progress: number[] = [];
    const first = await reconcileBucket({
      bucket: BUCKET,
      s3: s3.client,
      store,
      ingester,
      log,
      onProgress: (p) => progress.push(p.done),
    });
    expect(first).toEqual({ listed: 26, ingested: 25, unchanged: 0, removed: 0, rejected: 1, failed: 0 });
    expect(progress.at(-1)).toBe(26);
    expect((await store.getTopic('recon'))?.count).toBe(25);

    expect(await run()).toEqual({
      listed: 26,
      ingested: 0,
      unchanged: 26,
      removed: 0,
      rejected: 0,
      failed: 0,
    });

    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'r/3.md' }));
    await put(
      'r/4.md',
      articleFile({ webUrl: 'https://example.com/r/4', title: 'R4 edited', topics: ['Recon'] }),
    );
    expect(await run()).toMatchObject({ listed: 25, ingested: 1, removed: 1, failed: 0 });
    expect((await store.getTopic('recon'))?.count).toBe(24);
    const titles = (await store.queryEntries('recon', 100)).entries.map((e) => e.title);
    expect(titles).toContain('R4 edited');
    expect(titles).not.toContain('R3');

    // force re-applies everything; contents are unchanged so no feed changes
    const forced = await run(true);
    expect(forced.listed).toBe(25);
    expect(forced.failed).toBe(0);
    expect((await store.getTopic('recon'))?.count).toBe(24);
  });

  it('recountTopics repairs a counter that drifted and leaves correct ones alone', async () => {
    const at = new Date().toISOString();
    await store.touchTopic({ slug: 'recon', name: 'Recon', countDelta: 3, at });
    const all = await store.getTopic(ALL);
    expect(await recountTopics(store, log)).toEqual(['recon']);
    expect((await store.getTopic('recon'))?.count).toBe(24);
    expect(await store.getTopic(ALL)).toEqual(all);
    expect(await recountTopics(store, log)).toEqual([]);
  });

  it('with a settling pause, corrects only a drift that stayed, on a counter nobody moved meanwhile', async () => {
    const at = () => new Date().toISOString();
    await store.touchTopic({ slug: 'recon', name: 'Recon', countDelta: 2, at: at() });
    // An ingest updates the counter during the pause: the drift seen first may have been its moment.
    const moved = await recountTopics(store, log, {
      settleMs: 1,
      sleep: async () => {
        await store.touchTopic({ slug: 'recon', name: 'Recon', countDelta: 1, at: at() });
      },
    });
    expect(moved).toEqual([]);
    expect((await store.getTopic('recon'))?.count).toBe(27);
    // Nothing moves during the pause: the drift is real and corrected.
    let paused = 0;
    const stable = await recountTopics(store, log, {
      settleMs: 60_000,
      sleep: async (ms) => {
        paused += ms;
      },
    });
    expect(paused).toBe(60_000);
    expect(stable).toEqual(['recon']);
    expect((await store.getTopic('recon'))?.count).toBe(24);
  });
});
