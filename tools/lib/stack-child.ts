/**
 * The local stack (`npm start`'s servers and handlers) in a child process of a tool, so that it has an event
 * loop and a core to itself while the tool uploads, polls or loads it from another. Configured by the
 * TOOLS_STACK environment variable (StackOptions, see stack.ts): it uploads its files (a generated corpus, or
 * the hostile catalogue) through its S3 endpoint, waits for the ingest, then announces `{"ready": StackInfo}`.
 * SIGUSR2 (started with --expose-gc): a full GC, then `{"memory": {…}}` in MB, for leak hunting.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack } from '../../local/stack.js';
import { generateCorpus } from './corpus.js';
import { announce, onStop } from './procs.js';
import { HEADLESS, type StackOptions } from './stack.js';
import { mapLimit } from './stats.js';

const options = JSON.parse(process.env.TOOLS_STACK ?? '{}') as StackOptions;
/** Two levels below the root, so that a key climbing out of s3rver's folder stays inside the root. */
const dataDir = path.join(options.root, 'stack', 'data');
await mkdir(dataDir, { recursive: true });
const stack = await startLocalStack({ dataDir, ...HEADLESS });
await stack.ready;

const files: { key: string; body: string | Buffer }[] = options.hostile
  ? (await import('../reliability/hostile/catalogue.js')).hostileCatalogue()
  : [...generateCorpus({ count: options.seedCount ?? 0, seed: options.seed })].map((f) => ({
      key: f.key,
      body: f.text,
    }));
const started = Date.now();
/**
 * What became of each hostile file: refused by the S3 endpoint with a reason (4xx: an answer for a hostile key,
 * a failure for any other), else its file record's state.
 */
const states: Record<string, string> = {};
await mapLimit(files, 16, async (f) => {
  try {
    await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: f.key, Body: f.body }));
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    if (!options.hostile || status < 400 || status >= 500) throw e;
    states[f.key] = `refused by the S3 endpoint: ${status} ${(e as Error).message}`;
  }
});
await stack.idle();

for (const f of options.hostile ? files.filter((upload) => !states[upload.key]) : []) {
  const file = await stack.store.getFile(f.key);
  states[f.key] = !file ? 'missing' : file.status === 'rejected' ? `rejected: ${file.reason}` : file.status;
}
// Whether any object landed outside s3rver's folder.
const everything = await readdir(options.root, { withFileTypes: true, recursive: true });
const outsideDataDir = everything
  .filter((e) => e.isFile())
  .map((e) => path.join(e.parentPath, e.name))
  .filter((f) => !f.startsWith(`${dataDir}${path.sep}`))
  .map((f) => path.relative(dataDir, f));

const info = {
  pid: process.pid,
  feeds: stack.urls.feeds.replace(/\/+$/, ''),
  s3: stack.urls.s3,
  dynamo: stack.urls.dynamo,
  httpPort: stack.ports.http,
  bucket: stack.bucket,
  tableName: stack.tableName,
  credentials: stack.credentials,
  /** Files uploaded before it was ready, and how long uploading and ingesting them took. */
  files: files.length,
  loadMs: Date.now() - started,
  /** Hostile files only: what became of each (`ok`, `rejected: …`, `refused by the S3 endpoint: …`). */
  states,
  /** Files written outside the data directory (keys with `..` segments), relative to it. */
  outsideDataDir,
};
export type StackInfo = typeof info;
announce('ready', info);

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  const { rss, heapUsed, external } = process.memoryUsage();
  announce('memory', { gc: gc !== undefined, rss: mb(rss), heapUsed: mb(heapUsed), external: mb(external) });
});
onStop(() => stack.close({ drainMs: 0 }));
