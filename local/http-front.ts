/**
 * The local stack's HTTP front on 127.0.0.1: its own routes (/_errors, the rejections; /_dead-letters, the
 * dead-letter list and its redrive), everything else to the feeds function, as its Function URL would pass it. It listens
 * before the handlers are made, so that a port in use is reported at once; until the feeds handler is set,
 * requests get a 503.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoStore } from '../shared/store/dynamodb.js';
import type { StatusConsole } from './console.js';
import { feedsListener } from './feeds-listener.js';
import { type FunctionUrlHandler, functionUrlListener, functionUrlServer } from './function-url.js';

export const HOST = '127.0.0.1';

export interface HttpFront {
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** The feeds function that answers from now on. */
  serveFeeds(handler: FunctionUrlHandler): void;
  close(): Promise<void>;
}

export async function startHttpFront(options: {
  port: number;
  store: DynamoStore;
  /** The dead-letter routes: true when the request was theirs. */
  deadLetters: (req: IncomingMessage, res: ServerResponse) => boolean;
  out: StatusConsole;
}): Promise<HttpFront> {
  const { store, deadLetters, out } = options;
  const onFeedsError = (error: unknown, req: IncomingMessage) =>
    out.log(`error     ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
  let serveFeeds = functionUrlListener(async () => ({ statusCode: 503, body: 'Starting.\n' }), onFeedsError);
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === '/_errors' && (req.method === 'GET' || req.method === 'HEAD')) {
      void serveErrors(store, req, res);
      return;
    }
    // The dead-letter routes parse a URL: asked only for their own paths (every feed request passes here).
    if (pathname?.includes('/_dead-letters') && deadLetters(req, res)) return;
    serveFeeds(req, res);
  };
  // Malformed requests, CONNECT and a missing Host get a reason too (Node's HTTP layer gives none).
  const http = functionUrlServer(listener);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, HOST, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    base: `http://${HOST}:${port}`,
    // The real handler's app, called without the event round trip (feeds-listener.ts).
    serveFeeds: (handler) => {
      serveFeeds = feedsListener(handler, onFeedsError);
    },
    close: () => closeHttp(http),
  };
}

async function serveErrors(store: DynamoStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const rejections = await store.listRejections();
    const body = `${JSON.stringify(
      rejections.map((r) => ({ key: r.key, reason: r.reason, time: r.at })),
      null,
      2,
    )}\n`;
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The table is not available right now.\n');
  }
}

/** Closes the HTTP server: idle connections at once, busy ones after their response (2 s at most). */
async function closeHttp(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 2000);
  await closed;
  clearTimeout(timer);
}
