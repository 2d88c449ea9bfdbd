/**
 * The local stack's runtime limits end to end: with the table throttling every request, an uploaded file's
 * invocations are stopped at the ingest time limit, its message fails every receive the redrive policy allows
 * and ends in the dead-letter list (kept in the data directory, shown at /_dead-letters and on the console);
 * once the table answers again, a redrive ingests it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusConsole } from '../../../local/console.js';
import type { LocalStack } from '../../../local/stack.js';
import { MAX_RECEIVE_COUNT } from '../../../shared/limits.js';
import { startHeadlessStack, until, userS3Client } from '../../support/stack.js';

let root: string;
let stack: LocalStack;
let s3: S3Client;
const lines: string[] = [];

interface Letter {
  key: string;
  lastError: string;
  receiveCount: number;
  deadAt: string;
}

const get = (p: string, init?: RequestInit) => fetch(new URL(p, stack.urls.feeds), init);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fb-limits-'));
  stack = await startHeadlessStack(root, {
    // A time limit a throttled table always exceeds (the SDK's back-off alone), and quick redeliveries.
    ingestTimeoutMs: 600,
    redeliveryMs: 20,
    console: new StatusConsole({ write: (t: string) => lines.push(t) }),
  });
  await stack.ready;
  s3 = userS3Client(stack);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the local stack’s limits', () => {
  it('stops invocations at the time limit, dead-letters the file after five receives, and redrives it', async () => {
    stack.throttleDynamo(1);
    const body = [
      '---',
      'title: "Stuck"',
      'webUrl: https://limits.example.com/stuck',
      'publishedDateTime: 2026-11-01T10:00:00Z',
      'topics: [Limits]',
      '---',
      '',
    ].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'stuck/one file.md', Body: body }));

    const letters = await until(
      'the dead letter',
      async () => (await (await get('/_dead-letters')).json()) as Letter[],
      (list) => list.length > 0,
      30_000,
    );
    expect(letters).toEqual([
      expect.objectContaining({
        key: 'stuck/one file.md',
        receiveCount: MAX_RECEIVE_COUNT,
        lastError: 'Task timed out after 0.60 seconds',
      }),
    ]);
    // Kept in the data directory, and told on the console with the key, the error and the way to redrive.
    const keptKeys = () =>
      readFile(path.join(stack.dataDir, 'dead-letters.json'), 'utf8').then(
        (text) => (JSON.parse(text) as Letter[]).map((l) => l.key),
        () => [],
      );
    expect(await until('the list on disk', keptKeys, (keys) => keys.length > 0)).toEqual([
      'stuck/one file.md',
    ]);
    const told = lines
      .join('')
      .split('\n')
      .find((l) => l.startsWith('dead '));
    expect(told).toContain('stuck/one file.md: Task timed out after 0.60 seconds (failed 5 receives');
    expect(told).toContain('/_dead-letters/redrive');
    // No longer retried: nothing is pending, and nothing reached the table.
    await stack.idle();
    stack.throttleDynamo(0);
    expect((await get('/topics/limits/feed.json')).status).toBe(404);

    // Reading the list is all GET allows; the redrive is a POST.
    expect((await get('/_dead-letters/redrive')).status).toBe(405);
    const redriven = await get('/_dead-letters/redrive', { method: 'POST' });
    expect(redriven.status).toBe(200);
    expect(await redriven.json()).toEqual({ redriven: ['stuck/one file.md'] });
    await until(
      'the redriven file in its feed',
      async () => (await get('/topics/limits/feed.json')).status,
      (status) => status === 200,
    );
    expect(await (await get('/_dead-letters')).json()).toEqual([]);
    expect(await until('the emptied list on disk', keptKeys, (keys) => keys.length === 0)).toEqual([]);
  });
});
