/** The bench side of the local stack child (bench/servers/stack.ts): start it, talk to its S3 and table. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { withoutSdkLogging } from '../../../shared/clients.js';
import type { StackChildInfo, StackChildOptions } from '../servers/stack.js';
import { beside, type Child, startChild, tsNode } from './procs.js';

export interface StackHandle extends Child<StackChildInfo> {
  s3: S3Client;
  dynamo: DynamoDBClient;
  close(): Promise<void>;
}

let started = 0;

/** Starts the local stack in a child process with a fresh data directory under `tmp`. */
export async function startStack(
  tmp: string,
  options: Omit<StackChildOptions, 'dataDir'> = {},
): Promise<StackHandle> {
  const dataDir = join(tmp, `stack-${++started}`);
  mkdirSync(dataDir, { recursive: true });
  const { command, args } = tsNode(beside(import.meta.url, '../servers/stack.ts'));
  // BENCH_PROFILE=<dir>: a CPU profile of the stack process (where its time goes), written when it stops.
  const profile = process.env.BENCH_PROFILE;
  if (profile) args.unshift('--cpu-prof', `--cpu-prof-dir=${profile}`);
  const child = await startChild<StackChildInfo>(command, args, {
    env: { BENCH_STACK: JSON.stringify({ ...options, dataDir }) },
    timeoutMs: 180_000,
  });
  const { credentials } = child.info;
  const s3 = new S3Client({
    endpoint: child.info.s3,
    region: credentials.region,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  // Configured as the functions' clients are (shared/clients.ts), so that the bench's own requests (the
  // baseline's BatchWriteItem, row 8's polling) cost the shared cores as little as ours do.
  const dynamo = withoutSdkLogging(
    new DynamoDBClient({
      endpoint: child.info.dynamo,
      region: credentials.region,
      credentials,
      cacheMiddleware: true,
    }),
  );
  return {
    ...child,
    s3,
    dynamo,
    close: async () => {
      s3.destroy();
      dynamo.destroy();
      await child.stop();
    },
  };
}
