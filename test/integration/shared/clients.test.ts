/**
 * The functions' SDK clients (shared/clients.ts) against the local servers: requests in flight at once keep
 * their own parameters. (With the SDK's cacheMiddleware, two concurrent S3 GetObject requests for different
 * buckets were both sent to one bucket; the S3 client goes without it.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS } from '../../../local/function-env.js';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../../local/servers.js';
import { dynamoClient, s3Client } from '../../../shared/clients.js';
import { ensureTable } from '../../../shared/store/dynamodb.js';

describe('the functions’ SDK clients with requests in flight at once', () => {
  let dir: string;
  let s3: LocalS3;
  let dynamo: LocalDynamo;
  const local = { region: 'us-east-1', credentials: S3RVER_CREDENTIALS };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-clients-'));
    s3 = await startS3({ directory: dir, buckets: ['one', 'two'] });
    dynamo = await startDynamo();
    for (const bucket of ['one', 'two'])
      await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k.md', Body: bucket }));
    for (const table of ['table-one', 'table-two']) {
      await ensureTable(dynamo.client, table);
      await dynamo.client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'p' }, sk: { S: 's' }, t: { S: table } } }),
      );
    }
  });
  afterAll(async () => {
    await s3.close();
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('S3: each GetObject reads its own bucket, and a missing bucket fails only its own request', async () => {
    const client = s3Client({ ...local, endpoint: s3.endpoint });
    const read = async (bucket: string) => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k.md' }));
      return out.Body?.transformToString();
    };
    for (let i = 0; i < 20; i++) {
      const [a, b, missing] = await Promise.allSettled([read('one'), read('two'), read('no-such-bucket')]);
      expect(a).toEqual({ status: 'fulfilled', value: 'one' });
      expect(b).toEqual({ status: 'fulfilled', value: 'two' });
      expect(missing.status === 'rejected' && (missing.reason as Error).name).toBe('NoSuchBucket');
    }
  });

  it('DynamoDB: each request reads its own table', async () => {
    const client = dynamoClient({ ...local, endpoint: dynamo.endpoint });
    const read = async (table: string) => {
      const out = await client.send(
        new GetItemCommand({
          TableName: table,
          Key: { pk: { S: 'p' }, sk: { S: 's' } },
          ConsistentRead: true,
        }),
      );
      return out.Item?.t?.S;
    };
    for (let i = 0; i < 20; i++) {
      expect(await Promise.all([read('table-one'), read('table-two')])).toEqual(['table-one', 'table-two']);
    }
  });
});
