/**
 * Fixes for s3rver 3.7.1 where it falls short of S3 in ways the local stack depends on:
 * - ListObjectsV2 beyond one page fails (its continuation tokens use DES, which OpenSSL 3 no longer offers);
 * - an upload is acknowledged, and its event emitted, before the object file is completely written, and a
 *   process killed mid-write leaves truncated object or metadata files that make every later listing fail;
 * - a DeleteObjects of several keys in one folder fails for some of them (a race in its empty-folder cleanup);
 * - a key with "." or ".." segments (`../etc/passwd.md`) is stored by joining it to the data directory's
 *   path, so it lands outside the bucket's folder (found by npm run reliability). S3 takes such keys; here
 *   they are refused with a 400 that says why, and no file path can leave the bucket's folder.
 * - a GetObject during an overwrite can pair the new content with the old metadata (s3rver keeps them in two
 *   files): the response promises the old Content-Length and ETag, and a shorter body ends the connection
 *   early ("aborted"). S3 never serves such a torn object.
 * Writes here go to a temporary file renamed into place, so an object is either all there or not at all;
 * an object and its metadata are swapped, and read, one at a time per key; `repairStore` clears what an older
 * crash left behind.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

const require = createRequire(import.meta.url);
/** The metadata headers s3rver keeps with an object (besides x-amz-meta-*). */
const ALLOWED_METADATA: string[] = require('s3rver/lib/models/object.js').ALLOWED_METADATA;

/** Temporary files of writes under way: never listed by s3rver (it lists only `._S3rver_object` files). */
const TMP_SUFFIX = '.fbtmp';
let tmpCounter = 0;
const tmpPath = (target: string) => `${target}.${process.pid}.${++tmpCounter}${TMP_SUFFIX}`;

async function writeAtomically(target: string, data: string): Promise<void> {
  const tmp = tmpPath(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

interface StoredObjectInput {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getBucketPath(bucket: string): string;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
  putObject(object: StoredObjectInput): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
}

export function fixS3rver(server: S3rver): void {
  installListV2Shim(server);
  refuseDotSegments(server);
  const store = (server as unknown as { store: FilesystemStore }).store;
  confineToBuckets(store);
  makeWritesAtomic(store);
}

/** Whether a key has a "." or ".." path segment (which would be resolved as a relative path on disk). */
export const hasDotSegment = (key: string): boolean => key.split('/').some((p) => p === '.' || p === '..');

/** Answers requests for keys with dot segments with S3's InvalidArgument error, before s3rver touches disk. */
function refuseDotSegments(server: S3rver): void {
  const guard = async (ctx: KoaContext, next: () => Promise<void>) => {
    let key: string;
    try {
      key = decodeURIComponent(ctx.path.replace(/^\/[^/]+\/?/, ''));
    } catch {
      return next();
    }
    if (!hasDotSegment(key)) return next();
    ctx.status = 400;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>The local S3 server ' +
      'does not take keys with "." or ".." path segments: they would be stored outside its folder.</Message></Error>';
  };
  (server as unknown as { middleware: unknown[] }).middleware.unshift(guard);
}

/** Any other way to a path outside the bucket's folder (a DeleteObjects body, say) fails instead of writing. */
function confineToBuckets(store: FilesystemStore): void {
  const resolve = store.getResourcePath.bind(store);
  store.getResourcePath = (bucket, key, resource) => {
    const target = resolve(bucket, key, resource);
    if (!target.startsWith(path.join(store.getBucketPath(bucket), path.sep))) {
      throw new Error(`key "${key}" would be stored outside the bucket's folder`);
    }
    return target;
  };
}

/**
 * Runs `work` after the work queued before it for the same key (a per-key lock). Hand-written: a few lines, and
 * keyed locks in the registry's libraries bring timers and options this does not need.
 */
function keyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const run = (tails.get(id) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(id, tail);
    void tail.then(() => {
      if (tails.get(id) === tail) tails.delete(id);
    });
    return run;
  };
}

function makeWritesAtomic(store: FilesystemStore): void {
  const oneAtATime = keyedQueue();
  const idOf = (bucket: string, key: string) => `${bucket}/${key}`;
  // A read takes the metadata and opens the object file under the key's lock; once open, the stream keeps the
  // file it opened, so a later swap cannot change what it sends.
  const getObject = store.getObject.bind(store);
  store.getObject = (bucket, key, options) =>
    oneAtATime(idOf(bucket, key), () => getObject(bucket, key, options));
  // s3rver removes empty folders after a delete with a check-then-remove that fails when the keys of one
  // DeleteObjects request share a folder (they are deleted concurrently): some deletes then error out.
  store.deleteObject = async (bucket, key) => {
    for (const resource of ['object', 'object.md5', 'metadata.json']) {
      await rm(store.getResourcePath(bucket, key, resource), { force: true });
    }
    const root = store.getBucketPath(bucket);
    let dir = path.dirname(store.getResourcePath(bucket, key, 'object'));
    while (dir.startsWith(root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty (or already gone): the folders above are not empty either
      }
      dir = path.dirname(dir);
    }
  };

  store.putMetadata = async (bucket, key, metadata, md5) => {
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(metadata)) {
      if (ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) kept[name] = value;
    }
    if (md5) await writeAtomically(store.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeAtomically(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(kept, null, 2));
  };

  store.putObject = async (object) => {
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = tmpPath(target);
    const hash = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(tmp),
      );
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const md5 = hash.digest('hex');
    await oneAtATime(idOf(object.bucket, object.key), async () => {
      // Without its .md5 file s3rver hashes the object again: a crash between these steps never leaves a stale ETag.
      await rm(store.getResourcePath(object.bucket, object.key, 'object.md5'), { force: true });
      await rename(tmp, target);
      await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    });
    return { size, md5 };
  };
}

/**
 * Clears what a killed process may have left in an s3rver directory: temporary files, and metadata or MD5
 * files that are empty or cut short (s3rver then falls back to defaults and hashes the object again).
 */
export async function repairStore(directory: string): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full);
        continue;
      }
      let bad = e.name.endsWith(TMP_SUFFIX);
      if (!bad && e.name.endsWith('._S3rver_metadata.json')) {
        try {
          JSON.parse(await readFile(full, 'utf8'));
        } catch {
          bad = true;
        }
      } else if (!bad && e.name.endsWith('._S3rver_object.md5')) {
        bad = !/^[0-9a-f]{32}$/.test((await readFile(full, 'utf8')).trim());
      }
      if (bad) {
        await rm(full, { force: true });
        removed++;
      }
    }
  };
  await walk(directory);
  return removed;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  body?: unknown;
  status?: number;
  type?: string;
}
interface ListResult {
  IsTruncated?: boolean;
  Marker?: string;
  NextMarker?: string;
  StartAfter?: string;
  ContinuationToken?: string;
  NextContinuationToken?: string;
  KeyCount?: number;
  Contents?: { Key: string; Owner?: unknown }[];
  CommonPrefixes?: { Prefix: string }[];
}

/**
 * s3rver 3.7 makes ListObjectsV2 continuation tokens with the DES cipher, which Node's OpenSSL 3 no longer
 * offers, so listing a bucket of more than 1,000 objects fails with an internal error. This middleware serves
 * ListObjectsV2 through s3rver's ListObjects (v1, paged by marker) and writes the answer back in v2 form, with
 * the last key (base64url) as the continuation token.
 */
function installListV2Shim(server: S3rver): void {
  const shim = async (ctx: KoaContext, next: () => Promise<void>) => {
    const q = ctx.query;
    if (ctx.method !== 'GET' || q['list-type'] !== '2' || !/^\/[^/]+\/?$/.test(ctx.path)) return next();
    const token = typeof q['continuation-token'] === 'string' ? q['continuation-token'] : undefined;
    const startAfter =
      token !== undefined ? Buffer.from(token, 'base64url').toString('utf8') : q['start-after'];
    const fetchOwner = q['fetch-owner'] === 'true';
    const { 'list-type': _t, 'continuation-token': _c, 'start-after': _s, 'fetch-owner': _f, ...rest } = q;
    ctx.query = { ...rest, ...(typeof startAfter === 'string' && startAfter ? { marker: startAfter } : {}) };
    await next();
    const result = (ctx.body as { ListBucketResult?: ListResult } | undefined)?.ListBucketResult;
    if (!result) return;
    const contents = result.Contents ?? [];
    const prefixes = result.CommonPrefixes ?? [];
    // As s3rver's v1 NextMarker: the last key listed (common prefixes do not count towards max-keys).
    const last = contents[contents.length - 1]?.Key ?? prefixes[prefixes.length - 1]?.Prefix;
    delete result.Marker;
    delete result.NextMarker;
    if (token === undefined && typeof startAfter === 'string') result.StartAfter = startAfter;
    if (token !== undefined) result.ContinuationToken = token;
    if (result.IsTruncated && last)
      result.NextContinuationToken = Buffer.from(last, 'utf8').toString('base64url');
    result.KeyCount = contents.length + prefixes.length;
    if (!fetchOwner) for (const c of contents) delete c.Owner;
  };
  // After s3rver's logger and XML encoder (so the body is still an object here), before its router.
  (server as unknown as { middleware: unknown[] }).middleware.splice(2, 0, shim);
}
