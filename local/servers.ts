/**
 * The two local protocol servers: dynalite (the DynamoDB API) and s3rver (the S3 API). Used by the local
 * stack and by integration tests; both speak the real wire protocols, so the real AWS SDK talks to them.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';

/** s3rver accepts only these credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 (port 0: a free one). With `path` the data persists on disk. */
export async function startDynamo(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.path });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
  installListV2Shim(server);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: LOCAL_REGION,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
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

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  body?: unknown;
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
