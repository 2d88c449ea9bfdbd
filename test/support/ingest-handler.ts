/**
 * The real ingest handler against dynalite and s3rver over HTTP, for integration tests: the servers, the
 * table, the environment the handler reads at load, then the handler itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from '../../local/servers.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';

export interface IngestHandlerStack {
  dynamo: LocalDynamo;
  s3: LocalS3;
  store: DynamoStore;
  handler: (event: SQSEvent, context?: { getRemainingTimeInMillis(): number }) => Promise<SQSBatchResponse>;
  close(): Promise<void>;
}

/** Starts the servers with `bucket` and `table`, then loads the handler (once per test file). */
export async function startIngestHandler(bucket: string, table: string): Promise<IngestHandlerStack> {
  const dir = mkdtempSync(join(tmpdir(), 'feedbucket-ingest-'));
  const [dynamo, s3] = await Promise.all([startDynamo(), startS3({ directory: dir, buckets: [bucket] })]);
  await ensureTable(dynamo.client, table);
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    LOG_LEVEL: 'SILENT',
  });
  const { handler } = await import('../../functions/ingest/handler.js');
  return {
    dynamo,
    s3,
    store: new DynamoStore(dynamo.client, table),
    handler,
    close: async () => {
      await Promise.all([dynamo.close(), s3.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
