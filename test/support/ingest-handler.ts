/**
 * The real ingest handler against dynalite and s3rver over HTTP, for integration tests: the servers, the
 * table, the environment the handler reads at load (startLocalAws), then the handler itself.
 */
import type { S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type LocalAws, startLocalAws } from './local-aws.js';

export interface IngestHandlerStack extends LocalAws {
  handler: (
    event: SQSEvent | S3Event,
    context?: { getRemainingTimeInMillis(): number },
  ) => Promise<SQSBatchResponse>;
}

/** Starts the servers with `bucket` and `table`, then loads the handler (once per test file). */
export async function startIngestHandler(bucket: string, table: string): Promise<IngestHandlerStack> {
  const aws = await startLocalAws({ table, bucket });
  const { handler } = await import('../../functions/ingest/handler.js');
  return { ...aws, handler };
}
