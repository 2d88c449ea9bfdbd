/**
 * The local stack in a process of its own, for `npm run reliability`: started on free ports in a temporary
 * data directory, loaded through its S3 endpoint (a generated corpus, or the hostile catalogue), then it
 * prints one JSON line `{"ready": …}` and serves until its stdin closes or it gets SIGTERM.
 *
 *   node --import tsx reliability/stack-process.ts --root DIR (--corpus N | --hostile)
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startLocalStack } = await import('../../local/stack.js');
const { generateCorpus } = await import('../bench/corpus.js');
const { hostileCatalogue } = await import('./hostile/catalogue.js');

const { values } = parseArgs({
  options: { root: { type: 'string' }, corpus: { type: 'string' }, hostile: { type: 'boolean' } },
});
if (!values.root) throw new Error('--root DIR is required');

/** The data directory sits two levels below the root, so a key that climbs out of s3rver's folder stays inside. */
const dataDir = path.join(values.root, 'stack', 'data');
await mkdir(dataDir, { recursive: true });
const stack = await startLocalStack({
  dataDir,
  articlesDir: false,
  examples: false,
  port: 0,
  s3Port: 0,
  dynamoPort: 0,
});
await stack.ready;

const files: { key: string; body: Buffer }[] = values.hostile
  ? hostileCatalogue().map((f) => ({ key: f.key, body: f.body }))
  : [...generateCorpus({ count: Number(values.corpus ?? 1000) })].map((f) => ({
      key: f.key,
      body: Buffer.from(f.text),
    }));

const started = Date.now();
let next = 0;
/** Keys the S3 endpoint refused (it answers an error with a reason), with that reason. */
const refused = new Map<string, string>();
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < files.length) {
      const f = files[next++] as (typeof files)[number];
      try {
        await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: f.key, Body: f.body }));
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
        // A refusal with a reason (4xx) is an answer for a hostile key; anything else is the run's failure.
        if (!values.hostile || status < 400 || status >= 500) throw e;
        refused.set(f.key, `${status} ${(e as Error).message}`);
      }
    }
  }),
);
await stack.idle();

// What became of each file (for the hostile catalogue), and whether any object landed outside s3rver's folder.
const states: Record<string, string> = {};
if (values.hostile) {
  for (const f of files) {
    const file = await stack.store.getFile(f.key);
    const refusal = refused.get(f.key);
    states[f.key] = refusal
      ? `refused by the S3 endpoint: ${refusal}`
      : file
        ? file.status === 'rejected'
          ? `rejected: ${file.reason}`
          : file.status
        : 'missing';
  }
}
const outside = (await listFiles(values.root))
  .filter((f) => !f.startsWith(`${dataDir}${path.sep}`))
  .map((f) => path.relative(dataDir, f));

const ready = {
  pid: process.pid,
  states,
  outsideDataDir: outside,
  urls: stack.urls,
  ports: stack.ports,
  dataDir,
  bucket: stack.bucket,
  files: files.length,
  keys: files.map((f) => f.key),
  loadMs: Date.now() - started,
};
process.stdout.write(`${JSON.stringify({ ready })}\n`);

// SIGUSR2: collect garbage (when started with --expose-gc) and print `{"memory":{…}}` in MB, for leak hunting.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  const memory = {
    gc: gc !== undefined,
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    external: mb(m.external),
  };
  process.stdout.write(`${JSON.stringify({ memory })}\n`);
});

/** Every file under a folder, as absolute paths. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.close({ drainMs: 0 });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
