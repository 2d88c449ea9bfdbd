/**
 * A local function's settings, named as its environment variables in AWS, with what only the local stack adds:
 * the local servers' endpoints, region and keys (in AWS the function's role and region give these). Handed to
 * the function's worker thread as data; no process's environment is written.
 */
import type { ClientTarget } from '../shared/clients.js';
import type { Env } from '../shared/config.js';

/** s3rver accepts only these credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

/** The settings of a function that reaches the local servers at these endpoints. */
export const localFunctionEnv = (settings: Env, endpoints: { dynamo: string; s3?: string }): Env => ({
  ...settings,
  DYNAMODB_ENDPOINT: endpoints.dynamo,
  ...(endpoints.s3 ? { S3_ENDPOINT: endpoints.s3 } : {}),
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
});

/** The region and keys a function's settings give its clients (none: the SDK's own chain, as in AWS). */
export const clientTargetOf = (env: Env): Omit<ClientTarget, 'endpoint'> => ({
  region: env.AWS_REGION,
  credentials:
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
      : undefined,
});

/**
 * A function thread's Node options: none of the process's (the thread loads its own TypeScript support), but
 * the CPU profiler's when the process runs with it (the bench's BENCH_PROFILE), so that the thread is profiled.
 */
export const functionThreadArgv = (): string[] => process.execArgv.filter((a) => a.startsWith('--cpu-prof'));

/**
 * A function thread's heap bound for `memoryMb` of Lambda memory, nine tenths of it for the old generation:
 * Lambda ends an environment that outgrows its memory, and the thread ends with ERR_WORKER_OUT_OF_MEMORY.
 * Only the V8 heap is bounded here (Lambda counts everything the process holds): the looser of the two.
 */
export const functionResourceLimits = (memoryMb: number) => ({
  maxOldGenerationSizeMb: Math.floor(memoryMb * 0.9),
});
