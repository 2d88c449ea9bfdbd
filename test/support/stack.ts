/** Helpers for end-to-end tests of the local stack. */
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';

/** A local stack on free ports, its data in `root`/data: no watched folder, no examples (options may differ). */
export const startHeadlessStack = (root: string, options: Partial<LocalStackOptions> = {}) =>
  startLocalStack({
    dataDir: path.join(root, 'data'),
    articlesDir: false,
    examples: false,
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    ...options,
  });

/** Probes until `ok` holds (every 50 ms), or fails naming what it waited for and what it last saw. */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/** An S3 client as a user configures one for the stack's S3 endpoint. */
export const userS3Client = (stack: LocalStack): S3Client =>
  new S3Client({
    endpoint: stack.urls.s3,
    region: stack.credentials.region,
    credentials: stack.credentials,
    forcePathStyle: true,
  });
