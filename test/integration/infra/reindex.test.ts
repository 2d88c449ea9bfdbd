/**
 * `npm run reindex` against real S3 and DynamoDB APIs (s3rver and dynalite on free ports), with the example
 * articles of the repository.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusConsole } from '../../../local/console.js';
import { S3RVER_CREDENTIALS } from '../../../local/function-env.js';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../../local/servers.js';
import { ALL } from '../../../shared/article/model.js';
import { documentClient } from '../../../shared/store/document-client.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import {
  type CliOptions,
  LOCAL_DEFAULTS,
  parseCli,
  progressText,
  reindex,
  resolveTarget,
  type Target,
  UsageError,
} from '../../../tools/reindex.js';
import { runProcess } from '../../support/infra.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples');
const BUCKET = 'articles';
const TABLE = 'feedbucket';

/** Every example article file, as bucket key and content. */
const exampleFiles = () =>
  readdirSync(EXAMPLES, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .map((path) => ({ key: relative(EXAMPLES, path).split('\\').join('/'), body: readFileSync(path) }));

/** Runs `tools/reindex.ts` in a child process without credentials from the environment. */
const runCommand = (args: string[], env: Record<string, string>) =>
  runProcess(process.execPath, ['--import', 'tsx', 'tools/reindex.ts', ...args], {
    cwd: join(import.meta.dirname, '../../..'),
    env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });

/** A sink for the command's output. */
const sink = () => {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s) > 0, text: () => chunks.join('') };
};

describe('reindex against S3 and DynamoDB APIs', () => {
  let dir: string;
  let dynamo: LocalDynamo;
  let s3: LocalS3;
  let target: Target;
  const files = exampleFiles();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedbucket-reindex-'));
    [dynamo, s3] = await Promise.all([startDynamo(), startS3({ directory: dir, buckets: [BUCKET] })]);
    await ensureTable(dynamo.client, TABLE);
    for (const f of files)
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: f.key, Body: f.body }));
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'drafts/broken.md', Body: 'no front matter' }),
    );
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'images/cover.jpg', Body: 'not an article' }),
    );
    target = {
      bucket: BUCKET,
      table: TABLE,
      region: 'us-east-1',
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      credentials: S3RVER_CREDENTIALS,
      source: 'the test',
    };
  });
  afterAll(async () => {
    await Promise.all([dynamo?.close(), s3?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const dump = async () => {
    const { Items = [] } = await documentClient(dynamo.client).send(new ScanCommand({ TableName: TABLE }));
    // Times of the run itself (topic last change, file record times) differ between runs; the rest must not.
    return Items.map((i) => JSON.stringify({ ...i, lastChange: undefined, revision: undefined }))
      .sort()
      .join('\n');
  };

  it('ingests every article file of the bucket, reports rejections, and fills the feeds', async () => {
    const out = sink();
    const err = sink();
    const result = await reindex({ target, out, err });
    expect(result).toEqual({
      listed: files.length + 1,
      ingested: files.length,
      unchanged: 0,
      removed: 0,
      rejected: 1,
      failed: 0,
    });
    expect(out.text()).toMatch(
      /^reindexing s3:\/\/articles into table feedbucket \(http:\/\/127\.0\.0\.1:\d+; from the test\)\n/,
    );
    expect(out.text()).toContain(
      `reindexed ${files.length + 1} / ${files.length + 1} files (100%), 1 rejected`,
    );
    expect(out.text()).toMatch(/rejected files \(1\):\n {2}drafts\/broken\.md: .+/);
    expect(err.text()).toMatch(/^error: rejected drafts\/broken\.md: /m);
    const store = new DynamoStore(dynamo.client, TABLE);
    expect((await store.getTopic(ALL))?.count).toBe(files.length);
    expect((await store.queryEntries(ALL, 100)).entries).toHaveLength(files.length);
  });

  it('is idempotent: running again, everything or only changes, leaves the same table', async () => {
    const before = await dump();
    const again = await reindex({ target, out: sink(), err: sink() });
    expect(again).toMatchObject({ ingested: 0, unchanged: files.length, rejected: 1, failed: 0 });
    expect(await dump()).toBe(before);
    const changed = await reindex({ target, changedOnly: true, out: sink(), err: sink() });
    expect(changed).toMatchObject({ ingested: 0, unchanged: files.length + 1, rejected: 0, failed: 0 });
    expect(await dump()).toBe(before);
  });

  it('removes the articles of files deleted from the bucket', async () => {
    const gone = files[0] as { key: string };
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: gone.key }));
    const result = await reindex({ target, changedOnly: true, out: sink(), err: sink() });
    expect(result).toMatchObject({ listed: files.length, removed: 1, failed: 0 });
    const store = new DynamoStore(dynamo.client, TABLE);
    expect((await store.getTopic(ALL))?.count).toBe(files.length - 1);
  });

  it('runs as a command with --local against servers on the given ports, with a progress line', async () => {
    // The servers live in this process: the command must run asynchronously.
    const run = await runCommand(['--local', '--changed'], {
      S3_PORT: new URL(s3.endpoint).port,
      DYNAMO_PORT: new URL(dynamo.endpoint).port,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('from the local stack (npm start)');
    expect(run.stdout).toMatch(/reindexed \d+ \/ \d+ files \(100%\), 0 rejected/);
    expect(run.stdout).toMatch(/done in [\d.]+ s: \d+ article files listed; 0 ingested/);
  });
});

describe('reindex command line', () => {
  const cli = (args: string[]): CliOptions => parseCli(args);
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'feedbucket-reindex-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes the local stack defaults with --local, and its port and bucket variables', () => {
    expect(resolveTarget(cli(['--local']), {}, dir)).toMatchObject({
      bucket: LOCAL_DEFAULTS.bucket,
      table: LOCAL_DEFAULTS.table,
      s3Endpoint: 'http://127.0.0.1:4569',
      dynamoEndpoint: 'http://127.0.0.1:4567',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    expect(
      resolveTarget(cli(['--local']), { S3_PORT: '5000', DYNAMO_PORT: '5001', BUCKET: 'mine' }, dir),
    ).toMatchObject({
      bucket: 'mine',
      s3Endpoint: 'http://127.0.0.1:5000',
      dynamoEndpoint: 'http://127.0.0.1:5001',
    });
  });

  it('reads the deployed names and region from the outputs file npm run deploy writes', () => {
    writeFileSync(
      join(dir, 'cdk-outputs.json'),
      JSON.stringify({ Feedbucket: { BucketName: 'fb-bucket', TableName: 'fb-table', Region: 'eu-west-1' } }),
    );
    const deployed = resolveTarget(cli([]), {}, dir);
    expect(deployed).toMatchObject({ bucket: 'fb-bucket', table: 'fb-table', region: 'eu-west-1' });
    expect(deployed.s3Endpoint).toBeUndefined();
    expect(deployed.credentials).toBeUndefined();
    expect(resolveTarget(cli(['--table', 'other', '--region', 'us-west-2']), {}, dir)).toMatchObject({
      bucket: 'fb-bucket',
      table: 'other',
      region: 'us-west-2',
    });
  });

  it('asks which stack when the outputs file holds several, and what is missing when nothing is known', () => {
    writeFileSync(
      join(dir, 'two.json'),
      JSON.stringify({ A: { BucketName: 'a', TableName: 'a' }, B: { BucketName: 'b', TableName: 'b' } }),
    );
    expect(() => resolveTarget(cli(['--outputs', 'two.json']), {}, dir)).toThrow(/several stacks \(A, B\)/);
    expect(resolveTarget(cli(['--outputs', 'two.json', '--stack', 'B']), {}, dir).bucket).toBe('b');
    const empty = mkdtempSync(join(tmpdir(), 'feedbucket-reindex-empty-'));
    try {
      expect(() => resolveTarget(cli([]), {}, empty)).toThrow(UsageError);
      expect(() => resolveTarget(cli(['--bucket', 'b']), {}, empty)).toThrow(/^which table\?/);
      expect(resolveTarget(cli([]), { FEEDBUCKET_BUCKET: 'b', TABLE_NAME: 't' }, empty)).toMatchObject({
        bucket: 'b',
        table: 't',
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses unknown options and bad numbers with a usage error', () => {
    expect(() => cli(['--bukket', 'x'])).toThrow(UsageError);
    expect(() => cli(['--concurrency', '0'])).toThrow(
      /--concurrency must be a whole number between 1 and 256/,
    );
  });

  it('the progress line is rewritten in place on a terminal and printed as lines elsewhere', () => {
    expect(progressText({ done: 1, total: 4, rejected: 0 }, 1)).toMatch(
      /^reindexed 1 \/ 4 files \(25%\), 0 rejected, 1\/s, about 3 s left$/,
    );
    expect(progressText({ done: 4, total: 4, rejected: 1 }, 2)).toMatch(
      /^reindexed 4 \/ 4 files \(100%\), 1 rejected, [\d,]+\/s$/,
    );
    const tty = { ...sink(), isTTY: true };
    const line = new StatusConsole(tty, { ttyIntervalMs: 60_000 });
    line.startStatus(() => progressText({ done: 1, total: 4, rejected: 0 }, 1));
    line.endStatus(progressText({ done: 4, total: 4, rejected: 1 }, 1));
    const CLEAR_LINE = '\r\u001b[2K';
    const [before, first, second] = tty.text().split(CLEAR_LINE);
    expect(before).toBe('');
    expect(first).toMatch(/^reindexed 1 \/ 4 files \(25%\), 0 rejected, /);
    expect(second).toMatch(/^reindexed 4 \/ 4 files \(100%\), 1 rejected, [\d,]+\/s\n$/);
    const pipe = sink();
    const plain = new StatusConsole(pipe, { plainIntervalMs: 60_000 });
    plain.startStatus(() => progressText({ done: 2, total: 3, rejected: 0 }, 1));
    plain.endStatus(progressText({ done: 3, total: 3, rejected: 0 }, 1));
    expect(pipe.text()).toBe(`${progressText({ done: 3, total: 3, rejected: 0 }, 1)}\n`);
  });
});
