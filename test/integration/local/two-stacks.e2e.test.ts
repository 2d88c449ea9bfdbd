/**
 * Two local stacks in one process, side by side: each makes its handlers with its own clients and settings
 * (no process environment, no state kept by a module), so each has its own ports, table and site title, an
 * upload to one shows in its feeds only, and the process's environment is left as it was.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../local/stack.js';
import { articleFile } from '../../support/articles.js';
import { startHeadlessStack, until, userS3Client } from '../../support/stack.js';

let root: string;
let stacks: LocalStack[] = [];
const envBefore = { ...process.env };

const start = (name: string) =>
  startHeadlessStack(root, {
    dataDir: path.join(root, name),
    tableName: `table-${name}`,
    settings: { SITE_TITLE: `Site ${name}` },
  });

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fb-two-'));
  stacks = [await start('one'), await start('two')];
  await Promise.all(stacks.map((s) => s.ready));
});

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

const feed = async (stack: LocalStack) =>
  (await (await fetch(new URL('feed.json', stack.urls.feeds))).json()) as {
    title: string;
    items: { title: string }[];
  };

describe('two local stacks in one process', () => {
  it('keep their own ports, tables and settings, and leave the process environment alone', async () => {
    const [one, two] = stacks as [LocalStack, LocalStack];
    expect(new Set([one.ports.s3, two.ports.s3]).size).toBe(2);
    expect(new Set([one.ports.dynamo, two.ports.dynamo]).size).toBe(2);
    expect(process.env).toEqual(envBefore);

    const s3 = userS3Client(one);
    await s3.send(
      new PutObjectCommand({
        Bucket: one.bucket,
        Key: 'only-in-one.md',
        Body: articleFile({ webUrl: 'https://example.com/one', title: 'Only in one', topics: ['Pair'] }),
      }),
    );
    s3.destroy();
    await until(
      'the upload in the first stack’s feed',
      async () => (await feed(one)).items.map((i) => i.title),
      (titles) => titles.includes('Only in one'),
    );
    await one.idle();
    await two.idle();
    expect((await feed(one)).title).toBe('Site one');
    expect(await feed(two)).toMatchObject({ title: 'Site two', items: [] });
    expect(await one.store.getTopic('pair')).toMatchObject({ count: 1 });
    expect(await two.store.getTopic('pair')).toBeUndefined();
  });
});
