/**
 * The ingest function's environment: the real ingest handler in a worker thread of its own, as Lambda runs a
 * function in an environment apart from S3 and the queue. It gets the environment variables the function is
 * configured with, loads the handler once (its cold start), then answers invocations one message at a time
 * from the main thread (`IngestFunction` in ingest-function.ts; entered through ingest-worker.mjs), several in flight at once like Lambda's
 * concurrent executions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SQSEvent } from 'aws-lambda';

if (!parentPort) throw new Error('local/ingest-worker.ts runs as a worker thread (see ingest-function.ts)');
const port = parentPort;
const data = workerData as { env: Record<string, string>; handlerModule?: string; publish?: boolean };
Object.assign(process.env, data.env);
const { handler } = (await import(
  data.handlerModule ?? '../functions/ingest/handler.js'
)) as typeof import('../functions/ingest/handler.js');
if (data.publish) {
  // The feeds each batch changed go to the stack's publish queue, as the function sends them to SQS in AWS.
  const { useChangeSink } = await import('../functions/ingest/changes.js');
  useChangeSink(async (message) => port.postMessage({ changed: message }));
}

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
