/**
 * The Lambda adapter: a Function URL / HTTP API (payload 2.0) event becomes a FeedsRequest, the app's
 * response becomes the result. Content-coded bodies go base64-encoded, as Lambda requires for bytes; the
 * base64 of a cached body is made once and reused (its Buffer belongs to the render cache).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FeedsApp, FeedsRequest, FeedsResponse } from '../../shared/feeds/app.js';
import { FEEDS_DEADLINE_MARGIN_MS, FEEDS_TIMEOUT_S, RETRY_AFTER_S } from '../../shared/limits.js';

/** Base64 of a body by its Buffer, for as long as the Buffer lives (the render cache holds it). */
const base64Of = new WeakMap<Buffer, string>();

function base64(body: Buffer): string {
  let b = base64Of.get(body);
  if (b === undefined) {
    b = body.toString('base64');
    base64Of.set(body, b);
  }
  return b;
}

/** The app's response as a Lambda result. */
export function toResult(res: FeedsResponse): APIGatewayProxyStructuredResultV2 {
  return typeof res.body === 'string'
    ? { statusCode: res.status, headers: res.headers, body: res.body, isBase64Encoded: false }
    : { statusCode: res.status, headers: res.headers, body: base64(res.body), isBase64Encoded: true };
}

const TOO_SLOW =
  'The feed store did not answer in time; try again in a few seconds (a cache keeps serving the last good copy meanwhile).\n';

/** The answer when the store has not answered shortly before the function's timeout: a 503 no cache keeps. */
export const tooSlowResponse = (): FeedsResponse => ({
  status: 503,
  headers: {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'retry-after': String(RETRY_AFTER_S),
    'x-content-type-options': 'nosniff',
  },
  body: TOO_SLOW,
});

export const tooSlow = (): APIGatewayProxyStructuredResultV2 => toResult(tooSlowResponse());

/** The app's answer to one invocation: synchronous when the app's is (a warm hit), else a promise. */
export type FeedsEntry = (req: FeedsRequest, remainingMs?: number) => FeedsResponse | Promise<FeedsResponse>;

/**
 * The app within the invocation's time less a margin (`remainingMs`, else `timeoutMs`): past it, the answer
 * is a 503 with Retry-After instead of Lambda's timeout (a 502 without a reason). What the app was still doing
 * finishes in the background and is dropped. An answer the app gives synchronously needs no timer.
 */
export function withDeadline(app: FeedsApp, timeoutMs: number): FeedsEntry {
  const serve = app.serve ?? app;
  return (req, remainingMs = timeoutMs) => {
    const answer = serve(req);
    if (!(answer instanceof Promise)) return answer;
    return new Promise<FeedsResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => resolve(tooSlowResponse()),
        Math.max(0, remainingMs - FEEDS_DEADLINE_MARGIN_MS),
      );
      answer.then(
        (res) => {
          clearTimeout(timer);
          resolve(res);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  };
}

/** The request of a payload 2.0 event (a request body is irrelevant to feeds and ignored). */
export function requestOf(event: APIGatewayProxyEventV2): FeedsRequest {
  const headers = event.headers ?? {};
  const domain = event.requestContext?.domainName;
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath || '/',
    query: event.rawQueryString ? new URLSearchParams(event.rawQueryString) : undefined,
    // Without a Host header, the request context's domain makes the links.
    headers: headers.host || !domain ? headers : { ...headers, host: domain },
  };
}

/** The app (with the handler's deadline) behind a handler made by lambdaHandler; undefined for others. */
export const feedsEntryOf = (handler: unknown): FeedsEntry | undefined =>
  typeof handler === 'function' ? (handler as { entry?: FeedsEntry }).entry : undefined;

/**
 * Adapts payload 2.0 events to the app, within the invocation's time (see withDeadline). The handler carries
 * its entry, so that the local server calls the app without building events (feedsEntryOf), and the app's
 * `tableChanged`, which the local stack calls after each ingest batch (AWS has no such call).
 */
export function lambdaHandler(app: FeedsApp, options: { timeoutMs?: number } = {}) {
  const entry = withDeadline(app, options.timeoutMs ?? FEEDS_TIMEOUT_S * 1000);
  const handler = async (
    event: APIGatewayProxyEventV2,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<APIGatewayProxyStructuredResultV2> =>
    toResult(await entry(requestOf(event), context?.getRemainingTimeInMillis?.()));
  return Object.assign(handler, { entry, tableChanged: () => app.tableChanged?.() });
}
