/**
 * dynalite and s3rver for an integration test of a handler, and the environment under which the handler's
 * module reaches them (set it before importing the module: the module reads its settings when it loads).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../local/servers.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';

export interface LocalAws {
  dynamo: LocalDynamo;
  s3: LocalS3;
  store: DynamoStore;
  close(): Promise<void>;
}

export async function startLocalAws(options: {
  table: string;
  bucket: string;
  /** More environment for the handler (its own settings). */
  env?: Record<string, string>;
}): Promise<LocalAws> {
  const dir = mkdtempSync(join(tmpdir(), 'feedbucket-handler-'));
  const [dynamo, s3] = await Promise.all([
    startDynamo(),
    startS3({ directory: dir, buckets: [options.bucket] }),
  ]);
  await ensureTable(dynamo.client, options.table);
  Object.assign(process.env, {
    TABLE_NAME: options.table,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    LOG_LEVEL: 'SILENT',
    ...options.env,
  });
  return {
    dynamo,
    s3,
    store: new DynamoStore(dynamo.client, options.table),
    close: async () => {
      await Promise.all([dynamo.close(), s3.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
