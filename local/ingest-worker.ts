/**
 * The ingest function's environment: the real ingest handler in a worker thread of its own, as Lambda runs a
 * function in an environment apart from S3 and the queue. The handler is made once (its cold start) by the
 * same factory as in Lambda, from the settings the function is configured with (its environment variables,
 * given as workerData: this thread's own process.env is left alone), then answers invocations one message at
 * a time from the main thread (`IngestFunction` in ingest-function.ts; entered through ts-worker.mjs),
 * several in flight at once like Lambda's concurrent executions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SQSEvent } from 'aws-lambda';
import { createIngestHandler, type IngestHandler } from '../functions/ingest/create.js';
import { tableAndBucketClients } from '../shared/clients.js';
import { type Env, readEndpoints, readIngestConfig } from '../shared/config.js';
import { S3Objects } from '../shared/ingest/objects.js';
import { createLogger } from '../shared/logger.js';
import { DynamoStore } from '../shared/store/dynamodb.js';
import { clientTargetOf } from './function-env.js';

if (!parentPort) throw new Error('local/ingest-worker.ts runs as a worker thread (see ingest-function.ts)');
const port = parentPort;
const data = workerData as { env: Env; handlerModule?: string; publish?: boolean };

/** The ingest handler as the function's settings make it; AWS's region and keys from them too (locally only). */
function ingestHandler(env: Env): IngestHandler {
  const config = readIngestConfig(env);
  const { dynamo, s3 } = tableAndBucketClients(readEndpoints(env), clientTargetOf(env));
  return createIngestHandler({
    config,
    store: new DynamoStore(dynamo, config.tableName),
    objects: new S3Objects(s3),
    log: createLogger('ingest', env.LOG_LEVEL),
    // The feeds each batch changed go to the stack's publish queue, as the function sends them to SQS in AWS.
    announce: data.publish ? async (message) => port.postMessage({ changed: message }) : undefined,
  });
}

const handler: IngestHandler = data.handlerModule
  ? ((await import(data.handlerModule)) as { handler: IngestHandler }).handler
  : ingestHandler(data.env);

port.on('message', async ({ id, event, deadline }: { id: number; event: SQSEvent; deadline: number }) => {
  // The part of Lambda's context the handler reads: the time left before the invocation is stopped.
  const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
  try {
    port.postMessage({ id, result: await handler(event, context) });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ id, error: { name: e.name, message: e.message, stack: e.stack } });
  }
});
port.postMessage({ ready: true });
