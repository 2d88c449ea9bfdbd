/**
 * The two local protocol servers: dynalite (the DynamoDB API) and s3rver (the S3 API). Used by the local
 * stack and by integration tests; both speak the real wire protocols, so the real AWS SDK talks to them.
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { LOCAL_REGION, S3RVER_CREDENTIALS } from './function-env.js';
import { fixS3rver, repairStore } from './s3rver-fixes.js';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  /** Throttle mode: the share of data requests answered with ProvisionedThroughputExceededException (0 to 1). */
  throttle(share: number): void;
  /** Data requests received and throttled so far. */
  throttleCounts(): Promise<{ requests: number; throttled: number }>;
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (port 0: a free one), in a worker thread so that it has a core of its own.
 * With `path` the data persists on disk; with `throttle` (0 to 1) that share of the data requests is throttled
 * (local/dynalite-throttle.mjs).
 */
export async function startDynamo(
  options: { port?: number; path?: string; throttle?: number } = {},
): Promise<LocalDynamo> {
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    workerData: { port: options.port ?? 0, path: options.path, throttle: options.throttle ?? 0 },
    // The worker runs plain JavaScript: no TypeScript loader needed (nor wanted) in it.
    execArgv: [],
    // An in-memory table may be large: allow it the heap this process was given (--max-old-space-size).
    resourceLimits: { maxOldGenerationSizeMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port?: number; error?: { message: string; code?: string } }) => {
      if (m.port !== undefined) return resolve(m.port);
      const error = Object.assign(new Error(m.error?.message ?? 'dynalite did not start'), {
        code: m.error?.code,
        port: options.port,
      });
      void worker.terminate();
      reject(error);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    client,
    throttle: (share) => worker.postMessage({ throttle: share }),
    throttleCounts: () =>
      new Promise((resolve) => {
        const answer = (m: { counts?: { requests: number; throttled: number } }) => {
          if (!m.counts) return;
          worker.off('message', answer);
          resolve(m.counts);
        };
        worker.on('message', answer);
        worker.postMessage({ counts: true });
      }),
    close: () => {
      closing ??= (async () => {
        client.destroy();
        // The server and its database close in the worker; then the thread ends.
        const closed = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage('close');
        await closed;
      })();
      return closing;
    },
  };
}

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  server: S3rver;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with its objects under `directory`, creating `buckets` if missing. */
/** An S3 client for s3rver at this endpoint (its credentials, path-style, no streamed checksums). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function startS3(options: {
  directory: string;
  port?: number;
  buckets?: string[];
}): Promise<LocalS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  await repairStore(options.directory);
  fixS3rver(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);
  return {
    endpoint,
    client,
    server,
    close: async () => {
      client.destroy();
      server.httpServer?.closeAllConnections?.();
      await server.close();
    },
  };
}
