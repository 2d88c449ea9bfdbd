import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FolderMirror,
  type FolderMirrorOptions,
  isIgnoredName,
  keyOf,
} from '../../../local/folder-mirror.js';
import { type LocalS3, startS3 } from '../../../local/servers.js';

const BUCKET = 'mirror';
let s3: LocalS3;
let root: string;
let dir: string;
let manifestPath: string;
let mirror: FolderMirror | undefined;
let uploads: string[];

const listKeys = async () =>
  ((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [])
    .map((o) => o.Key)
    .sort();
const read = async (key: string) =>
  (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Files written in the last moments are left to the watcher: let them age past the settle time. */
const settle = () => new Promise((r) => setTimeout(r, 80));

const startMirror = async (extra: Partial<FolderMirrorOptions> = {}) => {
  mirror = new FolderMirror({
    dir,
    bucket: BUCKET,
    s3: s3.client,
    manifestPath,
    settleMs: 50,
    uploaded: (k) => uploads.push(k),
    ...extra,
  });
  return mirror.start();
};

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fb-mirror-'));
  s3 = await startS3({ directory: path.join(root, 's3'), buckets: [BUCKET] });
});
afterAll(async () => {
  await s3.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(root, 'articles-'));
  manifestPath = path.join(root, `${path.basename(dir)}.manifest.json`);
  uploads = [];
  for (const key of await listKeys())
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
});
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
});

describe('names', () => {
  it('leaves out hidden, swap, backup and partial files', () => {
    for (const n of [
      '.DS_Store',
      '.a.md.swp',
      'a.md~',
      '#a.md#',
      'a.md.tmp',
      'b.crdownload',
      'c.part',
      '~$doc.md',
      '4913',
    ]) {
      expect(isIgnoredName(n), n).toBe(true);
    }
    for (const n of ['a.md', 'notes.txt', 'Café.markdown', 'x.tmp.md'])
      expect(isIgnoredName(n), n).toBe(false);
  });

  it('makes sub-folders key prefixes with forward slashes', () => {
    expect(keyOf('/a/b', path.join('/a/b', 'tech', 'x y.md'))).toBe('tech/x y.md');
  });
});

describe('FolderMirror', () => {
  it('uploads added and changed files, maps sub-folders to prefixes, deletes removed files, skips temp files', async () => {
    await startMirror();
    await mkdir(path.join(dir, 'tech'), { recursive: true });
    await writeFile(path.join(dir, 'tech', 'one.md'), 'first');
    await writeFile(path.join(dir, '.hidden.md'), 'no');
    await writeFile(path.join(dir, 'two.md.swp'), 'no');
    await until(async () => (await listKeys()).includes('tech/one.md'), 'the upload');
    expect(await read('tech/one.md')).toBe('first');

    await writeFile(path.join(dir, 'tech', 'one.md'), 'second');
    await until(async () => (await read('tech/one.md')) === 'second', 'the change');

    await unlink(path.join(dir, 'tech', 'one.md'));
    await until(async () => !(await listKeys()).includes('tech/one.md'), 'the delete');
    await mirror?.settled();
    expect(await listKeys()).toEqual([]);
  });

  it('catches up at start with what changed while stopped, without clobbering changes made through S3', async () => {
    await writeFile(path.join(dir, 'keep.md'), 'keep');
    await writeFile(path.join(dir, 'gone.md'), 'gone');
    await writeFile(path.join(dir, 'edited-in-s3.md'), 'folder version');
    await settle();
    expect(await startMirror()).toEqual({ uploaded: 3, deleted: 0, unchanged: 0 });
    await mirror?.close();
    mirror = undefined;

    // While stopped: a file added, one removed, one unchanged, and one object replaced through S3.
    await writeFile(path.join(dir, 'new.md'), 'new');
    await unlink(path.join(dir, 'gone.md'));
    await s3.client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'edited-in-s3.md', Body: 's3 version' }),
    );
    uploads = [];
    await settle();

    expect(await startMirror()).toEqual({ uploaded: 1, deleted: 1, unchanged: 2 });
    expect(uploads).toEqual(['new.md']);
    expect(await listKeys()).toEqual(['edited-in-s3.md', 'keep.md', 'new.md']);
    expect(await read('edited-in-s3.md')).toBe('s3 version');
  });

  it('re-uploads at start what a crash left half-done (in the folder, not yet in the bucket)', async () => {
    await writeFile(path.join(dir, 'a.md'), 'a');
    await writeFile(path.join(dir, 'b.md'), 'b');
    await settle();
    // No manifest and nothing in the bucket: as after a kill before the first uploads.
    expect(await startMirror()).toEqual({ uploaded: 2, deleted: 0, unchanged: 0 });
    await mirror?.close();
    mirror = undefined;
    await rm(manifestPath, { force: true });
    // Manifest lost, bucket has them: nothing to upload again.
    expect(await startMirror()).toEqual({ uploaded: 0, deleted: 0, unchanged: 2 });
  });
});

describe('FolderMirror rescans', () => {
  it('mirrors by rescanning alone when there are no file-system events (or the watcher missed them)', async () => {
    await startMirror({ rescanMs: 100, watch: false });
    await mkdir(path.join(dir, 'sub'), { recursive: true });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => writeFile(path.join(dir, 'sub', `f${i}.md`), `content ${i}`)),
    );
    await until(async () => (await listKeys()).length === 40, 'the rescan uploads');
    await writeFile(path.join(dir, 'sub', 'f1.md'), 'changed');
    await unlink(path.join(dir, 'sub', 'f2.md'));
    await until(async () => (await read('sub/f1.md')) === 'changed', 'the change');
    await until(async () => !(await listKeys()).includes('sub/f2.md'), 'the delete');
    await mirror?.settled();
    // Each file went up once, the changed one twice: unchanged files are not uploaded again by later rescans.
    expect(uploads.filter((k) => k === 'sub/f0.md')).toHaveLength(1);
    expect(uploads.filter((k) => k === 'sub/f1.md')).toHaveLength(2);
  });
});
