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
Object.assign(process.env, (workerData as { env: Record<string, string> }).env);
const { handler } = await import('../functions/ingest/handler.js');

port.on('message', async ({ id, event }: { id: number; event: SQSEvent }) => {
  try {
    port.postMessage({ id, result: await handler(event) });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port.postMessage({ id, error: { name: e.name, message: e.message, stack: e.stack } });
  }
});
port.postMessage({ ready: true });
