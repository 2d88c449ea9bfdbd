/**
 * WebSub push through the local stack: a stand-in hub on loopback is pinged when an upload changes feeds, and
 * fetches the feed as a hub does, which must already show the change. Free ports, a temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../local/stack.js';
import { type StandInHub, startStandInHub } from '../../../tools/reliability/stand-in-hub.js';
import { startHeadlessStack } from '../../support/stack.js';

let root: string;
let stack: LocalStack;
let hub: StandInHub;
let s3: S3Client;

const article = (title: string, url: string, topics: string[]) =>
  [
    '---',
    `title: ${JSON.stringify(title)}`,
    'publishedDateTime: 2025-09-01T10:00:00Z',
    `webUrl: ${JSON.stringify(url)}`,
    'topics:',
    ...topics.map((t) => `  - ${JSON.stringify(t)}`),
    '---',
    '',
  ].join('\n');

const put = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));

/** The paths pinged since `from` (index into hub.pings), sorted. */
const pingedSince = (from: number) =>
  hub.pings
    .slice(from)
    .map((p) => new URL(p.url as string).pathname)
    .sort();

const FORMATS = ['atom.xml', 'feed.json', 'rss.xml'];
const feedPaths = (...dirs: string[]) => dirs.flatMap((d) => FORMATS.map((f) => `${d}/${f}`)).sort();

beforeAll(async () => {
  hub = await startStandInHub();
  root = await mkdtemp(path.join(tmpdir(), 'fb-websub-'));
  stack = await startHeadlessStack(root, { settings: { WEBSUB_HUBS: hub.url } });
  await stack.ready;
  s3 = stack.s3;
});

afterAll(async () => {
  await stack?.close();
  await hub?.close();
  await rm(root, { recursive: true, force: true });
});

describe('WebSub push from the local stack', () => {
  it('pings the hub for every format of the changed feeds; the hub fetches the change at once', async () => {
    const from = hub.pings.length;
    const uploaded = Date.now();
    await put('a.md', article('Pushed to readers', 'https://example.com/pushed', ['Push News']));
    const pings = await hub.received(from + 6);
    const seconds = (Math.max(...pings.slice(from).map((p) => p.at)) - uploaded) / 1000;
    console.log(`upload to the last of 6 pings: ${seconds.toFixed(2)} s`);
    expect(pingedSince(from)).toEqual(feedPaths('', '/topics/push-news'));
    for (const p of pings.slice(from)) {
      expect(p.contentType).toBe('application/x-www-form-urlencoded');
      expect(p.mode).toBe('publish');
      expect(p.url?.startsWith(stack.urls.feeds.replace(/\/$/, ''))).toBe(true);
      expect(p.fetched?.status).toBe(200);
      expect(p.fetched?.body).toContain('Pushed to readers');
      expect(p.fetched?.link).toBe(`<${hub.url}>; rel="hub", <${p.url}>; rel="self"`);
    }
  });

  it('sends nothing for the same bytes again', async () => {
    await put('b.md', article('Twice', 'https://example.com/twice', ['Repeats']));
    await hub.received(hub.pings.length + 6);
    await stack.idle();
    const from = hub.pings.length;
    await put('b.md', article('Twice', 'https://example.com/twice', ['Repeats']));
    await stack.idle();
    // Past the queue's batching window: a ping would have gone out by now.
    await new Promise((r) => setTimeout(r, 1500));
    expect(pingedSince(from)).toEqual([]);
  });

  it('pings the topics an edit left and joined, and those a delete left; the hub sees each change', async () => {
    await put('c.md', article('Moving', 'https://example.com/moving', ['Old Home']));
    await hub.received(hub.pings.length + 6);
    let from = hub.pings.length;
    await put('c.md', article('Moving', 'https://example.com/moving', ['New Home']));
    await hub.received(from + 9);
    expect(pingedSince(from)).toEqual(feedPaths('', '/topics/new-home', '/topics/old-home'));
    const left = hub.pings.slice(from).find((p) => p.url?.endsWith('/topics/old-home/feed.json'));
    expect(JSON.parse(left?.fetched?.body ?? '{}').items).toEqual([]);

    from = hub.pings.length;
    await s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: 'c.md' }));
    await hub.received(from + 6);
    expect(pingedSince(from)).toEqual(feedPaths('', '/topics/new-home'));
    const all = hub.pings
      .slice(from)
      .find((p) => p.url?.endsWith('/feed.json') && !p.url.includes('/topics/'));
    expect(all?.fetched?.body).not.toContain('"Moving"');
  });

  it('pings each feed a bounded number of times in a backfill, not once per file', async () => {
    await stack.idle();
    await hub.received(hub.pings.length);
    const from = hub.pings.length;
    const files = 100;
    for (let i = 0; i < files; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          put(
            `backfill/${i + j}.md`,
            article(`Backfill ${i + j}`, `https://example.com/b/${i + j}`, ['Backfill']),
          ),
        ),
      );
    }
    await stack.idle();
    // The last ingest batch's message, then its publish batch.
    await new Promise((r) => setTimeout(r, 1500));
    await hub.received(hub.pings.length);
    const perFeed = new Map<string, number>();
    for (const p of pingedSince(from)) perFeed.set(p, (perFeed.get(p) ?? 0) + 1);
    console.log(`backfill of ${files} files: pings per feed ${JSON.stringify(Object.fromEntries(perFeed))}`);
    expect([...perFeed.keys()].sort()).toEqual(feedPaths('', '/topics/backfill'));
    const allRss = perFeed.get('/rss.xml') ?? 0;
    expect(allRss).toBeGreaterThanOrEqual(1);
    // Every ingest batch (10 files) sends one message; the publish queue batches those again.
    expect(allRss).toBeLessThanOrEqual(files / 10);
    const last = hub.pings.filter((p) => p.url?.endsWith('/topics/backfill/feed.json')).at(-1);
    expect(JSON.parse(last?.fetched?.body ?? '{}').items).toHaveLength(50);
  });
});
