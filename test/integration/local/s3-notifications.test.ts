import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKey } from '../../../functions/ingest/events.js';
import {
  encodeEventKey,
  type ObjectChange,
  Sequencer,
  watchObjectChanges,
} from '../../../local/s3-notifications.js';
import { type LocalS3, startS3 } from '../../../local/servers.js';
import { compareSequencers } from '../../../shared/store/sequencer.js';

describe('encodeEventKey', () => {
  it('encodes as S3 does in notifications: + for space, slashes kept, UTF-8 percent-encoded', () => {
    expect(encodeEventKey('red flower.md')).toBe('red+flower.md');
    expect(encodeEventKey('tech/a b/c+d.md')).toBe('tech/a+b/c%2Bd.md');
    expect(encodeEventKey('東京/Café (1).md')).toBe('%E6%9D%B1%E4%BA%AC/Caf%C3%A9+%281%29.md');
    expect(encodeEventKey("it's 100%!.md")).toBe('it%27s+100%25%21.md');
  });

  it('round-trips through the ingest decoder for awkward keys', () => {
    for (const key of [
      'a+b c.md',
      '%41.md',
      'x/y/z.txt',
      'é/ü ß.md',
      'semi;colon:eq=.md',
      '~tilde*star.md',
    ]) {
      expect(decodeKey(encodeEventKey(key))).toBe(key);
    }
  });
});

describe('Sequencer', () => {
  /** Whether `b` comes after `a` under S3's rule (the shorter right-padded with zeros). */
  const isAfter = (a: string, b: string) => compareSequencers(b, a) > 0;
  /** Wall-clock readings in any order, repeats and steps back included. */
  const clockReadings = fc.array(fc.integer({ min: 1_600_000_000_000, max: 2_100_000_000_000 }), {
    minLength: 1,
    maxLength: 200,
  });

  it('increases under S3 rule whatever the clock does, with sequencers of varying lengths', () => {
    fc.assert(
      fc.property(clockReadings, (readings) => {
        const s = new Sequencer();
        let last = '';
        for (const now of readings) {
          const next = s.next(now);
          expect(next).toMatch(/^[0-9A-F]+$/);
          if (last) expect(isAfter(last, next), `${last} then ${next}`).toBe(true);
          last = next;
        }
      }),
      { numRuns: 300 },
    );
    // Lengths vary within one millisecond too, and a longer sequencer is not always the later one.
    const s = new Sequencer();
    const seen = Array.from({ length: 1000 }, () => s.next(1_700_000_000_000));
    expect(new Set(seen.map((x) => x.length)).size).toBeGreaterThan(3);
    expect(seen.some((x, i) => i > 0 && x.length < (seen[i - 1] as string).length)).toBe(true);
  });

  it('continues above the floor of an earlier run, whatever the clock does between runs', () => {
    fc.assert(
      fc.property(clockReadings, clockReadings, (before, since) => {
        const first = new Sequencer();
        for (const now of before) first.next(now);
        const second = new Sequencer(first.current());
        expect(second.current()).toBe(first.current());
        for (const now of since) expect(isAfter(first.current(), second.next(now))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('continues above a floor in the fixed 18-digit form of earlier versions', () => {
    const floor = (2_000_000_000_000n * 1_000_000n).toString(16).toUpperCase().padStart(18, '0');
    const s = new Sequencer(floor);
    for (let i = 0; i < 100; i++) expect(isAfter(floor, s.next(1_000_000_000_000))).toBe(true);
  });

  it('follows the clock across restarts without a floor', () => {
    const a = new Sequencer().next(1_700_000_000_000);
    const b = new Sequencer().next(1_700_000_000_001);
    expect(isAfter(a, b)).toBe(true);
  });
});

describe('watchObjectChanges on s3rver', () => {
  let s3: LocalS3;
  let dir: string;
  const changes: ObjectChange[] = [];
  let stop: () => void;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-s3events-'));
    s3 = await startS3({ directory: dir, buckets: ['b'] });
    stop = watchObjectChanges(s3.server, (c) => changes.push(c));
  });
  afterAll(async () => {
    stop();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports puts with eTag and size, copies with eTag, and every key of a batch delete', async () => {
    changes.length = 0;
    await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key: 'a b.md', Body: 'hello' }));
    await s3.client.send(new CopyObjectCommand({ Bucket: 'b', Key: 'c.md', CopySource: 'b/a%20b.md' }));
    await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key: 'd.md', Body: 'x' }));
    await s3.client.send(
      new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'c.md' }, { Key: 'd.md' }] } }),
    );
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'b', Key: 'a b.md' }));
    // Deleting a key that is not there changes nothing, as in S3.
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'b', Key: 'never.md' }));

    const seen = changes.map((c) => `${c.eventName} ${c.key}`);
    expect(seen.slice(0, 3)).toEqual([
      'ObjectCreated:Put a b.md',
      'ObjectCreated:Copy c.md',
      'ObjectCreated:Put d.md',
    ]);
    // The two keys of the batch delete, in either order, then the single delete.
    expect(new Set(seen.slice(3, 5))).toEqual(
      new Set(['ObjectRemoved:Delete c.md', 'ObjectRemoved:Delete d.md']),
    );
    expect(seen.slice(5)).toEqual(['ObjectRemoved:Delete a b.md']);
    const md5Hello = '5d41402abc4b2a76b9719d911017c592';
    expect(changes[0]).toMatchObject({ size: 5, eTag: md5Hello, bucket: 'b' });
    expect(changes[1]).toMatchObject({ eTag: md5Hello });
  });

  it('deletes every key of a DeleteObjects in one folder, with one event each', async () => {
    const keys = Array.from({ length: 14 }, (_, i) => `examples/topic/k${i}.md`);
    for (const key of keys) await s3.client.send(new PutObjectCommand({ Bucket: 'b', Key: key, Body: key }));
    changes.length = 0;
    const out = await s3.client.send(
      new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect(out.Errors ?? []).toEqual([]);
    expect(changes.map((c) => `${c.eventName} ${c.key}`).sort()).toEqual(
      keys.map((k) => `ObjectRemoved:Delete ${k}`).sort(),
    );
    const left = await s3.client.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'examples/' }));
    expect(left.Contents ?? []).toEqual([]);
  });
});
