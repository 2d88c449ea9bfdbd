import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { repairStore } from '../../../local/s3rver-fixes.js';
import { type LocalS3, startS3 } from '../../../local/servers.js';

let s3: LocalS3 | undefined;
let dir: string | undefined;
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

const objectFile = (root: string, key: string) => path.join(root, 'b', `${key}._S3rver_object`);

describe('s3rver writes', () => {
  it('shows an object only once it is completely written (a kill mid-upload leaves no truncated object)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-atomic-'));
    s3 = await startS3({ directory: dir, buckets: ['b'] });
    const client = s3.client;
    const half = Buffer.alloc(256 * 1024, 'a');
    let finish: () => void = () => {};
    const body = new PassThrough();
    body.write(half);
    const upload = client.send(
      new PutObjectCommand({ Bucket: 'b', Key: 'slow.md', Body: body, ContentLength: half.length * 2 }),
    );
    const resumed = new Promise<void>((r) => (finish = r));
    void resumed.then(() => body.end(half));

    // Half of the body has arrived: nothing is visible yet, and no object file holds the partial content.
    await new Promise((r) => setTimeout(r, 200));
    const during = await client.send(new ListObjectsV2Command({ Bucket: 'b' }));
    expect(during.Contents ?? []).toEqual([]);
    expect(existsSync(objectFile(dir, 'slow.md'))).toBe(false);

    finish();
    await upload;
    const after = await client.send(new ListObjectsV2Command({ Bucket: 'b' }));
    expect(after.Contents?.map((o) => [o.Key, o.Size])).toEqual([['slow.md', half.length * 2]]);
    expect((await readdir(path.join(dir, 'b'))).filter((n) => n.includes('tmp'))).toEqual([]);
  });
});

describe('repairStore', () => {
  it('never serves an object torn between an overwrite and its metadata (every read is one whole version)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-torn-'));
    s3 = await startS3({ directory: dir, buckets: ['b'] });
    const client = s3.client;
    // Versions of different lengths and content: a body paired with another version's metadata shows.
    const versions = Array.from({ length: 40 }, (_, i) => `version ${i} ${'x'.repeat((i * 7) % 23)}`);
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k.md', Body: versions[0] }));
    const seen: string[] = [];
    const reading = (async () => {
      for (let n = 0; n < 300; n++) {
        const got = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k.md' }));
        const body = (await got.Body?.transformToString()) ?? '';
        expect(versions).toContain(body);
        expect(got.ContentLength).toBe(Buffer.byteLength(body));
        seen.push(body);
      }
    })();
    for (const body of versions.slice(1)) {
      await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k.md', Body: body }));
    }
    await reading;
    // The reads overlapped the overwrites: they saw more than one version.
    expect(new Set(seen).size).toBeGreaterThan(1);
  });

  it('clears cut-short metadata, MD5 and temporary files a killed process left, so listing works again', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-repair-'));
    s3 = await startS3({ directory: dir, buckets: ['b'] });
    for (const key of ['a.md', 'b.md', 'c.md']) {
      await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key: key, Body: `body of ${key}` }));
    }
    await s3.close();
    s3 = undefined;
    // What a SIGKILL in the middle of writes leaves behind.
    await writeFile(path.join(dir, 'b', 'a.md._S3rver_metadata.json'), '');
    await writeFile(path.join(dir, 'b', 'b.md._S3rver_object.md5'), '12ab');
    await writeFile(path.join(dir, 'b', 'd.md._S3rver_object.123.4.fbtmp'), 'half');

    expect(await repairStore(dir)).toBe(3);
    s3 = await startS3({ directory: dir, buckets: ['b'] });
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'b' }));
    expect(listed.Contents?.map((o) => [o.Key, o.ETag?.length])).toEqual([
      ['a.md', 34],
      ['b.md', 34],
      ['c.md', 34],
    ]);
    const b = await s3.client.send(new GetObjectCommand({ Bucket: 'b', Key: 'b.md' }));
    expect(await b.Body?.transformToString()).toBe('body of b.md');
  });
});
