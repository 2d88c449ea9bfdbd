/**
 * The local stack tells its feeds function when an ingest batch changed the table: a change shows at the
 * next request even when the function would reuse its metadata reads for long (here the most the setting
 * allows, 10 s), where in AWS it would wait for the reuse window to run out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../local/stack.js';
import { articleFile } from '../../support/articles.js';
import { startHeadlessStack, userS3Client } from '../../support/stack.js';

let root: string;
let stack: LocalStack;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fb-fresh-'));
  stack = await startHeadlessStack(root, { settings: { FEED_METADATA_REUSE_MS: '10000' } });
  await stack.ready;
});

afterAll(async () => {
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

const titles = async (feedPath: string) => {
  const res = await fetch(new URL(feedPath, stack.urls.feeds));
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { title: string }[] }).items.map((i) => i.title);
};

describe('feed freshness in the local stack', () => {
  it('shows an ingested upload at the next request, within the metadata reuse window', async () => {
    const upload = async (title: string, url: string) => {
      const s3 = userS3Client(stack);
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.bucket,
          Key: `${title}.md`,
          Body: articleFile({ webUrl: url, title, topics: ['Fresh'] }),
        }),
      );
      s3.destroy();
      await stack.idle();
    };
    await upload('First', 'https://example.com/first');
    // Read now: the metadata of both feeds would serve the next 10 s.
    expect(await titles('/feed.json')).toEqual(['First']);
    expect(await titles('/topics/fresh/feed.json')).toEqual(['First']);

    await upload('Second', 'https://example.com/second');
    for (const feed of ['/feed.json', '/topics/fresh/feed.json'])
      expect((await titles(feed)).sort()).toEqual(['First', 'Second']);
  });
});
