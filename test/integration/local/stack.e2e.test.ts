/**
 * The local stack end to end, as a user drives it: files go in through the S3 endpoint and the watched folder;
 * feeds and /_errors are read over HTTP. Free ports, temporary directories.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3 } from '../../../local/servers.js';
import { type LocalStack, type StartupReport, startLocalStack } from '../../../local/stack.js';
import { until, userS3Client } from '../../support/stack.js';

interface JsonFeed {
  title: string;
  items: { id: string; url: string; title: string }[];
}

let root: string;
let dataDir: string;
let articlesDir: string;
let stack: LocalStack;
let report: StartupReport;
let s3: S3Client;

const start = (ports?: LocalStack['ports']) =>
  startLocalStack({
    dataDir,
    articlesDir,
    port: ports?.http ?? 0,
    s3Port: ports?.s3 ?? 0,
    dynamoPort: ports?.dynamo ?? 0,
    settleMs: 50,
  });

/** An article file; `topics` as given in the front matter. */
const article = (o: { title: string; url: string; topics: string[]; body?: string }) =>
  [
    '---',
    `title: ${JSON.stringify(o.title)}`,
    `excerpt: "About ${o.title}"`,
    'publishedDateTime: 2025-09-01T10:00:00Z',
    `webUrl: ${JSON.stringify(o.url)}`,
    'topics:',
    ...o.topics.map((t) => `  - ${JSON.stringify(t)}`),
    '---',
    o.body ?? '',
  ].join('\n');

const get = (p: string) => fetch(new URL(p, stack.urls.feeds));

/** The titles in a feed (JSON Feed), or undefined when the topic does not exist (404). */
async function titles(feedPath: string): Promise<string[] | undefined> {
  const res = await get(feedPath);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return ((await res.json()) as JsonFeed).items.map((i) => i.title);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fb-e2e-'));
  dataDir = path.join(root, 'data');
  articlesDir = path.join(root, 'articles');
  stack = await start();
  report = await stack.ready;
  s3 = userS3Client(stack);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the local stack', () => {
  it('loads the example articles on a first run and serves them in every format', async () => {
    expect(report.firstRun).toBe(true);
    expect(report.examplesLoaded).toBe(14);
    const all = await titles('/feed.json');
    expect(all).toHaveLength(14);
    expect(all).toContain("White house says Biden does not intend to meet with North Korea's Kim");
    // A non-Latin topic and one with a diacritic (its slug folds the accent).
    expect(await titles(`/topics/${encodeURIComponent('東京')}/feed.json`)).toEqual([
      'Getting around Tokyo by rail: the Yamanote loop first',
    ]);
    expect(await titles('/topics/cafe/feed.json')).toEqual(['Café culture: why the counter beats the table']);
    const rss = await get('/topics/election/rss.xml');
    expect(rss.headers.get('content-type')).toMatch(/^application\/rss\+xml/);
    expect(await rss.text()).toContain('Biden administration started outreach to North Korea last month');
    const opml = await (await get('/feeds.opml')).text();
    expect(opml).toContain('<opml');
    expect(opml).toContain('/topics/election/rss.xml');
  });

  it('ingests a file uploaded through the S3 endpoint, and removes it on a batch delete', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: 'uploads/via s3+cli.md',
        Body: article({
          title: 'Uploaded with S3',
          url: 'https://e2e.example.com/s3',
          topics: ['E2E Upload'],
        }),
      }),
    );
    await until(
      'the uploaded article',
      () => titles('/topics/e2e-upload/feed.json'),
      (t) => !!t?.length,
    );
    expect(await titles('/topics/e2e-upload/feed.json')).toEqual(['Uploaded with S3']);

    await s3.send(
      new DeleteObjectsCommand({
        Bucket: stack.bucket,
        Delete: { Objects: [{ Key: 'uploads/via s3+cli.md' }] },
      }),
    );
    await until(
      'its removal',
      () => titles('/feed.json'),
      (t) => !t?.includes('Uploaded with S3'),
    );
    await until(
      'its topic to empty',
      () => titles('/topics/e2e-upload/feed.json'),
      (t) => !t?.length,
    );
  });

  it('follows the watched folder: add, edit, move to another topic, delete', async () => {
    const file = path.join(articlesDir, 'desk', 'story.md');
    await mkdir(path.dirname(file), { recursive: true });
    const url = 'https://e2e.example.com/folder-story';
    await writeFile(
      file,
      article({ title: 'Folder story', url, topics: ['Folder News'], body: 'First *draft*.' }),
    );
    await until(
      'the added file',
      () => titles('/topics/folder-news/feed.json'),
      (t) => !!t?.length,
    );

    await writeFile(file, article({ title: 'Folder story, edited', url, topics: ['Folder News'] }));
    await until(
      'the edit',
      () => titles('/topics/folder-news/feed.json'),
      (t) => t?.[0] === 'Folder story, edited',
    );
    expect(await titles('/topics/folder-news/feed.json')).toEqual(['Folder story, edited']);

    await writeFile(file, article({ title: 'Folder story, edited', url, topics: ['Elsewhere'] }));
    await until(
      'the move',
      () => titles('/topics/elsewhere/feed.json'),
      (t) => !!t?.length,
    );
    await until(
      'the old topic to empty',
      () => titles('/topics/folder-news/feed.json'),
      (t) => !t?.length,
    );

    await unlink(file);
    await until(
      'the delete',
      () => titles('/feed.json'),
      (t) => !t?.includes('Folder story, edited'),
    );
    await until(
      'its topic to empty',
      () => titles('/topics/elsewhere/feed.json'),
      (t) => !t?.length,
    );
  });

  it('lists a bad file at /_errors with its key and a reason, and keeps it out of the feeds', async () => {
    await writeFile(
      path.join(articlesDir, 'broken.md'),
      '---\nwebUrl: https://e2e.example.com/broken\n---\n',
    );
    const errors = await until(
      'the rejection',
      async () => (await (await get('/_errors')).json()) as { key: string; reason: string; time: string }[],
      (list) => list.some((e) => e.key === 'broken.md'),
    );
    const entry = errors.find((e) => e.key === 'broken.md');
    expect(entry?.reason).toMatch(/title/);
    expect(Number.isNaN(Date.parse(entry?.time ?? ''))).toBe(false);
    expect(await titles('/feed.json')).toHaveLength(14);
  });

  it('keeps everything across a restart and does not load the examples again', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: 'kept.md',
        Body: article({
          title: 'Kept across restarts',
          url: 'https://e2e.example.com/kept',
          topics: ['Kept'],
        }),
      }),
    );
    await stack.idle();
    // The feeds read topic metadata at most a second old.
    const before = await until(
      'the new article',
      () => titles('/feed.json'),
      (t) => !!t?.includes('Kept across restarts'),
    );
    const ports = stack.ports;
    await stack.close();

    stack = await start(ports);
    const again = await stack.ready;
    expect(again.firstRun).toBe(false);
    expect(again.examplesLoaded).toBe(0);
    expect(again.folder?.uploaded).toBe(0);
    // After a clean stop the table is known to match the bucket: no reconciliation.
    expect(again.reconciled).toBeUndefined();
    expect(await titles('/feed.json')).toEqual(before);
    const errors = (await (await get('/_errors')).json()) as { key: string }[];
    expect(errors.map((e) => e.key)).toEqual(['broken.md']);
  });

  it('after a crash, catches up with objects that reached the bucket but never the table', async () => {
    const ports = stack.ports;
    await stack.close();
    // As if killed mid-ingest: objects stored with no event handled, and the pid lock file an earlier version
    // left (its process gone).
    const bare = await startS3({ directory: path.join(dataDir, 's3'), buckets: [stack.bucket] });
    for (let i = 0; i < 30; i++) {
      await bare.client.send(
        new PutObjectCommand({
          Bucket: stack.bucket,
          Key: `crash/${i}.md`,
          Body: article({
            title: `Crash ${i}`,
            url: `https://e2e.example.com/crash/${i}`,
            topics: ['Crash'],
          }),
        }),
      );
    }
    await bare.close();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(path.join(dataDir, 'lock'), String(gone));

    stack = await start(ports);
    const recovered = await stack.ready;
    expect(recovered.reconciled).toMatchObject({ ingested: 30, failed: 0 });
    const crash = await until(
      'the caught-up topic',
      () => titles('/topics/crash/feed.json'),
      (t) => t?.length === 30,
    );
    expect(new Set(crash)).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `Crash ${i}`)));
  });

  it('sends no event for a mixed-case suffix, as the case-sensitive S3 filters do, and applies it at the next start', async () => {
    const put = (Key: string, title: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: stack.bucket,
          Key,
          Body: article({ title, url: `https://e2e.example.com/${Key}`, topics: ['Suffixes'] }),
        }),
      );
    await put('suffixes/Mixed.Md', 'Mixed case suffix');
    await put('suffixes/upper.MD', 'Upper case suffix');
    await stack.idle();
    // The upper-case suffix is subscribed (its event came); the mixed-case one got none.
    expect(await titles('/topics/suffixes/feed.json')).toEqual(['Upper case suffix']);

    const ports = stack.ports;
    await stack.close();
    stack = await start(ports);
    const again = await stack.ready;
    expect(again.reconciled).toMatchObject({ failed: 0 });
    await until(
      'the mixed-case file applied by the reconcile',
      () => titles('/topics/suffixes/feed.json'),
      (t) => t?.length === 2,
    );
  });

  it('after a clean stop, still notices objects changed behind its back and catches up', async () => {
    const ports = stack.ports;
    await stack.close();
    const bare = await startS3({ directory: path.join(dataDir, 's3'), buckets: [stack.bucket] });
    await bare.client.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: 'crash/0.md' }));
    await bare.close();

    stack = await start(ports);
    const again = await stack.ready;
    expect(again.reconciled).toMatchObject({ removed: 1, failed: 0 });
    const crash = await until(
      'the removal',
      () => titles('/topics/crash/feed.json'),
      (t) => t?.length === 29,
    );
    expect(crash).not.toContain('Crash 0');
  });
});
