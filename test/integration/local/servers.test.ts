import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startS3 } from '../../../local/servers.js';

describe('s3rver ListObjectsV2 over several pages (its own tokens need DES, gone from OpenSSL 3)', () => {
  let s3: LocalS3;
  let dir: string;
  const keys: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-list-'));
    s3 = await startS3({ directory: dir, buckets: ['b'] });
    for (let i = 0; i < 130; i++)
      keys.push(`${i % 3 === 0 ? 'sub/' : ''}k${String(i).padStart(5, '0')} é.md`);
    keys.sort();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < keys.length) {
          const key = keys[next++] as string;
          await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key: key, Body: key }));
        }
      }),
    );
  });
  afterAll(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pages with continuation tokens through every key exactly once, in order', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3.client, pageSize: 50 }, { Bucket: 'b' })) {
      pages++;
      for (const o of page.Contents ?? []) seen.push(o.Key as string);
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      expect(page.Contents?.[0]?.Owner).toBeUndefined();
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(keys);
  });

  it('continues from a token to the end, and honours start-after, prefix and delimiter', async () => {
    const first = await s3.client.send(new ListObjectsV2Command({ Bucket: 'b', MaxKeys: 100 }));
    expect(first.Contents).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    const second = await s3.client.send(
      new ListObjectsV2Command({ Bucket: 'b', ContinuationToken: first.NextContinuationToken }),
    );
    expect(second.Contents?.map((o) => o.Key)).toEqual(keys.slice(100));
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
    expect(second.IsTruncated).toBe(false);
    expect(second.NextContinuationToken).toBeUndefined();

    const after = await s3.client.send(new ListObjectsV2Command({ Bucket: 'b', StartAfter: keys[119] }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(keys.slice(120));

    const top = await s3.client.send(new ListObjectsV2Command({ Bucket: 'b', Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['sub/']);
    expect(top.Contents?.map((o) => o.Key)).toEqual(keys.filter((k) => !k.startsWith('sub/')));

    const sub = await s3.client.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'sub/' }));
    expect(sub.Contents?.map((o) => o.Key)).toEqual(keys.filter((k) => k.startsWith('sub/')));
  });
});
