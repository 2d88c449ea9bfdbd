/** The local stack in a child process (stack-child.ts), and clients for its S3 endpoint and table. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { tableAndBucketClients } from '../../shared/clients.js';
import { beside, type Child, startTs } from './procs.js';
import type { StackInfo } from './stack-child.js';

/** `startLocalStack` options for a stack of the tools: nothing watched, no examples, free ports. */
export const HEADLESS = { articlesDir: false, examples: false, port: 0, s3Port: 0, dynamoPort: 0 } as const;

export interface StackOptions {
  /** A temporary folder; the stack keeps its data two levels below it. */
  root: string;
  /** Corpus files uploaded (and ingested) before the stack says it is ready. */
  seedCount?: number;
  seed?: number;
  /** The hostile catalogue instead of a corpus; each file's fate is in `states`. */
  hostile?: boolean;
}

export interface StackHandle extends Child<StackInfo> {
  s3: S3Client;
  dynamo: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * Starts the stack child. `gc`: with --expose-gc, so that SIGUSR2 reports the heap after a full GC.
 * BENCH_PROFILE=<dir>: CPU profiles of the stack process, one per thread (the functions' too), written as they stop.
 */
export async function startStack(options: StackOptions & { gc?: boolean }): Promise<StackHandle> {
  const { gc, ...config } = options;
  const profile = process.env.BENCH_PROFILE;
  const child = await startTs<StackInfo>(beside(import.meta.url, 'stack-child.ts'), [], {
    nodeArgs: [
      ...(gc ? ['--expose-gc'] : []),
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    ],
    env: { TOOLS_STACK: JSON.stringify(config) },
    timeoutMs: 300_000,
    echo: Boolean(options.hostile) || Boolean(options.gc),
  });
  const { region, ...credentials } = child.info.credentials;
  // Configured as the functions' clients are, so that the tools' own requests (a baseline's BatchWriteItem,
  // polling) cost the shared cores as little as ours do.
  const endpoints = { dynamo: child.info.dynamo, s3: child.info.s3 };
  const { dynamo, s3 } = tableAndBucketClients(endpoints, { region, credentials });
  const close = async () => {
    s3.destroy();
    dynamo.destroy();
    await child.stop();
  };
  return { ...child, s3, dynamo, close };
}
