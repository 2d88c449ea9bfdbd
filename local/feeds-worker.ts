/**
 * The feeds function's environment, with the stack's HTTP front: the HTTP server and the real feeds handler in
 * a worker thread of their own, as Lambda runs the function apart from the bucket, the queue and the table.
 * They share no event loop and no heap with s3rver, the queue and the rest of the stack (in the main thread,
 * the same handler answered about a sixth fewer requests per CPU-second).
 *
 * It listens at once, so that a port in use is reported before anything else starts; feed requests get a 503
 * until the stack hands it the function's settings (named as its environment variables, as workerData and
 * messages: no process's environment is written). Its own routes: /_errors (the rejections, read from the
 * table) and /_dead-letters, answered by the main thread, which keeps the list and the queue (http-front.ts
 * is that side).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { createFeedsHandler } from '../functions/feeds/create.js';
import { dynamoClient } from '../shared/clients.js';
import { type Env, readEndpoints, readFeedsConfig } from '../shared/config.js';
import { FEEDS_SDK_BUDGET } from '../shared/limits.js';
import { createLogger } from '../shared/logger.js';
import { DynamoStore } from '../shared/store/dynamodb.js';
import type { LocalAnswer } from './dead-letters.js';
import { feedsListener } from './feeds-listener.js';
import { clientTargetOf } from './function-env.js';
import { functionUrlListener, functionUrlServer, writeResponse } from './function-url.js';

if (!parentPort) throw new Error('local/feeds-worker.ts runs as a worker thread (see http-front.ts)');
const port = parentPort;
const { host, listenPort } = workerData as { host: string; listenPort: number };

/** Messages from the main thread (http-front.ts). */
export type ToFeedsWorker =
  | { serve: Env }
  | { tableChanged: true }
  | { answer: number; response: LocalAnswer | null }
  | { close: true };
/** Messages to the main thread. */
export type FromFeedsWorker =
  | { listening: number }
  | { failed: { message: string; code?: string; port?: number } }
  | { ask: number; method: string; target: string }
  | { log: string }
  | { closed: true };
const post = (message: FromFeedsWorker) => port.postMessage(message);

const onFeedsError = (error: unknown, req: IncomingMessage) =>
  post({
    log: `error     ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`,
  });
let serveFeeds = functionUrlListener(async () => ({ statusCode: 503, body: 'Starting.\n' }), onFeedsError);
let store: DynamoStore | undefined;
let tableChanged = () => {};

/** Dead-letter requests waiting for the main thread's answer. */
const asked = new Map<number, (answer: LocalAnswer | null) => void>();
let nextAsk = 0;

const write = (req: IncomingMessage, res: ServerResponse, a: LocalAnswer) =>
  writeResponse(req, res, a.status, a.headers, a.body);

const listener = (req: IncomingMessage, res: ServerResponse) => {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const pathname = q === -1 ? target : target.slice(0, q);
  if (pathname === '/_errors' && (req.method === 'GET' || req.method === 'HEAD')) {
    void errorsAnswer().then((a) => write(req, res, a));
    return;
  }
  // Only their own paths go to the main thread (every feed request passes here).
  if (pathname.includes('/_dead-letters')) {
    const id = nextAsk++;
    asked.set(id, (a) => (a ? write(req, res, a) : serveFeeds(req, res)));
    post({ ask: id, method: req.method ?? 'GET', target });
    return;
  }
  serveFeeds(req, res);
};

async function errorsAnswer(): Promise<LocalAnswer> {
  const unavailable = (text: string): LocalAnswer => ({
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: text,
  });
  if (!store) return unavailable('Starting.\n');
  try {
    const rejections = await store.listRejections();
    const body = `${JSON.stringify(
      rejections.map((r) => ({ key: r.key, reason: r.reason, time: r.at })),
      null,
      2,
    )}\n`;
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body,
    };
  } catch {
    return unavailable('The table is not available right now.\n');
  }
}

/** The feeds handler as the function's settings make it; the region and keys from them too (locally only). */
function serve(env: Env): void {
  const config = readFeedsConfig(env);
  const dynamo = dynamoClient(
    { ...clientTargetOf(env), endpoint: readEndpoints(env).dynamo },
    FEEDS_SDK_BUDGET,
  );
  store = new DynamoStore(dynamo, config.tableName);
  const handler = createFeedsHandler({ config, dynamo, log: createLogger('feeds', env.LOG_LEVEL) });
  // The real handler's app, called without the event round trip (feeds-listener.ts).
  serveFeeds = feedsListener(handler, onFeedsError);
  tableChanged = handler.tableChanged;
}

// Malformed requests, CONNECT and a missing Host get a reason too (Node's HTTP layer gives none).
const http = functionUrlServer(listener);

/** Closes the HTTP server: idle connections at once, busy ones after their response (2 s at most). */
async function close(): Promise<void> {
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeIdleConnections();
  const timer = setTimeout(() => http.closeAllConnections(), 2000);
  await closed;
  clearTimeout(timer);
  post({ closed: true });
}

port.on('message', (message: ToFeedsWorker) => {
  if ('serve' in message) serve(message.serve);
  else if ('tableChanged' in message) tableChanged();
  else if ('answer' in message) {
    asked.get(message.answer)?.(message.response);
    asked.delete(message.answer);
  } else void close();
});

http.once('error', (error: NodeJS.ErrnoException) =>
  post({ failed: { message: error.message, code: error.code, port: listenPort } }),
);
http.listen(listenPort, host, () => post({ listening: (http.address() as AddressInfo).port }));
