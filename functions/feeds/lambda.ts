/**
 * The Lambda adapter: a Function URL / HTTP API (payload 2.0) event becomes a FeedsRequest, the app's
 * response becomes the result. Content-coded bodies go base64-encoded, as Lambda requires for bytes; the
 * base64 of a cached body is made once and reused (its Buffer belongs to the render cache).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FeedsApp, FeedsResponse } from '../../shared/feeds/app.js';
import { FEEDS_DEADLINE_MARGIN_MS, FEEDS_TIMEOUT_S, RETRY_AFTER_S } from '../../shared/limits.js';

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
export const tooSlow = (): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 503,
  headers: {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'retry-after': String(RETRY_AFTER_S),
    'x-content-type-options': 'nosniff',
  },
  body: TOO_SLOW,
  isBase64Encoded: false,
});

/**
 * Adapts payload 2.0 events to the app (a request body is irrelevant to feeds and ignored). The app gets the
 * invocation's time less a margin (the context's remaining time; `timeoutMs` when there is no context): past
 * it, the answer is a 503 with Retry-After instead of Lambda's timeout (a 502 without a reason). What the app
 * was still doing finishes in the background and is dropped.
 */
export function lambdaHandler(app: FeedsApp, options: { timeoutMs?: number } = {}) {
  const timeoutMs = options.timeoutMs ?? FEEDS_TIMEOUT_S * 1000;
  return async (
    event: APIGatewayProxyEventV2,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const headers = event.headers ?? {};
    const domain = event.requestContext?.domainName;
    const answer = app({
      method: event.requestContext?.http?.method ?? 'GET',
      path: event.rawPath || '/',
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers: headers.host || !domain ? headers : { ...headers, host: domain },
    }).then(toResult);
    const left = (context?.getRemainingTimeInMillis?.() ?? timeoutMs) - FEEDS_DEADLINE_MARGIN_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<APIGatewayProxyStructuredResultV2>((resolve) => {
      timer = setTimeout(() => resolve(tooSlow()), Math.max(0, left));
    });
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}
