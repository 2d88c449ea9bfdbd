/**
 * The Lambda adapter: a Function URL / HTTP API (payload 2.0) event becomes a FeedsRequest, the app's
 * response becomes the result. Content-coded bodies go base64-encoded, as Lambda requires for bytes; the
 * base64 of a cached body is made once and reused (its Buffer belongs to the render cache).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FeedsApp, FeedsResponse } from './app.js';

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

/** Adapts payload 2.0 events to the app (a request body is irrelevant to feeds and ignored). */
export function lambdaHandler(app: FeedsApp) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const headers = event.headers ?? {};
    const domain = event.requestContext?.domainName;
    const res = await app({
      method: event.requestContext?.http?.method ?? 'GET',
      path: event.rawPath || '/',
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers: headers.host || !domain ? headers : { ...headers, host: domain },
    });
    return toResult(res);
  };
}
