/**
 * The local stack (`npm start`'s servers and handlers) in a child process of the bench, so that it has an
 * event loop and a core to itself while the bench uploads, polls or generates load from another process.
 * Configuration in the BENCH_STACK environment variable (JSON, see StackChildOptions); optionally seeds the
 * bucket with corpus files before announcing itself.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack } from '../../../local/stack.js';
import { generateCorpus } from '../corpus.js';
import { announceReady } from '../lib/procs.js';
import { mapLimit } from '../lib/stats.js';

export interface StackChildOptions {
  dataDir: string;
  /** Corpus files uploaded (and ingested) before the stack announces itself. */
  seedCount?: number;
  seed?: number;
}

export interface StackChildInfo {
  feeds: string;
  s3: string;
  dynamo: string;
  bucket: string;
  tableName: string;
  credentials: { accessKeyId: string; secretAccessKey: string; region: string };
  seeded: number;
}

const options = JSON.parse(process.env.BENCH_STACK ?? '{}') as StackChildOptions;
const stack = await startLocalStack({
  dataDir: options.dataDir,
  articlesDir: false,
  examples: false,
  port: 0,
  s3Port: 0,
  dynamoPort: 0,
});
await stack.ready;
const files = [...generateCorpus({ count: options.seedCount ?? 0, seed: options.seed })];
await mapLimit(files, 16, (f) =>
  stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: f.key, Body: f.text })),
);
await stack.idle();

const info: StackChildInfo = {
  feeds: stack.urls.feeds.replace(/\/+$/, ''),
  s3: stack.urls.s3,
  dynamo: stack.urls.dynamo,
  bucket: stack.bucket,
  tableName: stack.tableName,
  credentials: stack.credentials,
  seeded: files.length,
};
announceReady(info);

// process.exit (not a signal death) so that a --cpu-prof profile is written.
process.on('SIGTERM', () => {
  void stack.close({ drainMs: 0 }).finally(() => process.exit(0));
});
