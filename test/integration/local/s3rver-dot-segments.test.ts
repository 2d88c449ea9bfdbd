import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDotSegment } from '../../../local/s3rver-fixes.js';
import { type LocalS3, startS3 } from '../../../local/servers.js';

let s3: LocalS3;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedbucket-dots-'));
  s3 = await startS3({ directory: join(dir, 'data'), buckets: ['articles'] });
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local S3 server and keys with dot segments', () => {
  it('tells them apart', () => {
    expect(hasDotSegment('../etc/passwd.md')).toBe(true);
    expect(hasDotSegment('a/./b.md')).toBe(true);
    expect(hasDotSegment('a/..b/c...md')).toBe(false);
  });

  it('refuses to store ../ keys, with a reason, and writes nothing outside its folder', async () => {
    const put = s3.client.send(
      new PutObjectCommand({ Bucket: 'articles', Key: '../../escape.md', Body: 'x' }),
    );
    await expect(put).rejects.toThrow(/does not take keys with "\." or "\.\." path segments/);
    await expect(
      s3.client.send(new GetObjectCommand({ Bucket: 'articles', Key: '../../escape.md' })),
    ).rejects.toThrow();
    await s3.client
      .send(
        new DeleteObjectsCommand({ Bucket: 'articles', Delete: { Objects: [{ Key: '../../escape.md' }] } }),
      )
      .catch(() => undefined);
    expect(readdirSync(dir).sort()).toEqual(['data']);
    expect(existsSync(join(dir, 'escape.md._S3rver_object'))).toBe(false);
  });

  it('still stores ordinary keys with dots in names', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: 'articles', Key: 'a/..b/v1.2.md', Body: 'ok' }));
    const got = await s3.client.send(new GetObjectCommand({ Bucket: 'articles', Key: 'a/..b/v1.2.md' }));
    expect(await got.Body?.transformToString()).toBe('ok');
  });
});
