/**
 * The local stand-in for a Lambda Function URL: a node:http request becomes an APIGatewayProxyEventV2 (payload
 * format 2.0, as Function URLs send it), and the handler's result becomes the HTTP response.
 * As with Function URLs: the path keeps its percent-encoding, the query string is passed raw, repeated headers
 * and query parameters are joined with commas, cookies move to `cookies`, and a body that is not text or JSON
 * arrives base64-encoded. `functionUrlServer` (http-server.ts) is the HTTP server around it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

export type FunctionUrlHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

/** Function URLs refuse request payloads above 6 MB. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/**
 * Lambda's limit on a synchronous (Function URL BUFFERED mode) response payload: 6 MB, which its error names
 * as 6,291,556 bytes. The payload is the JSON of the whole result, so a binary body counts base64-encoded.
 */
export const MAX_RESPONSE_PAYLOAD_BYTES = 6_291_556;

/** Below this many UTF-16 units a body cannot reach the limit, whatever JSON escaping does (6 bytes a unit). */
export const SURELY_SMALL_BODY = Math.floor(MAX_RESPONSE_PAYLOAD_BYTES / 6) - 64 * 1024;

/** The size of a handler's result as Lambda counts it: the UTF-8 bytes of its JSON. */
export function responsePayloadBytes(result: APIGatewayProxyResultV2): number {
  return Buffer.byteLength(
    typeof result === 'string' ? JSON.stringify(result) : JSON.stringify(result ?? null),
  );
}

/** A result Lambda would refuse to return: the function fails, and its Function URL answers 502. */
export class ResponseTooLargeError extends Error {}

export function checkResponseSize(result: APIGatewayProxyResultV2): void {
  const body = typeof result === 'object' && result !== null ? (result as { body?: unknown }).body : result;
  if (typeof body === 'string' && body.length < SURELY_SMALL_BODY) return;
  const bytes = responsePayloadBytes(result);
  if (bytes > MAX_RESPONSE_PAYLOAD_BYTES) {
    throw new ResponseTooLargeError(
      `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_PAYLOAD_BYTES} bytes): Lambda fails such an invocation, and its Function URL answers 502`,
    );
  }
}

const isTextType = (contentType: string | undefined) =>
  !!contentType &&
  /^(text\/|application\/(json|[\w.+-]*\+json|xml|[\w.+-]*\+xml|x-www-form-urlencoded))/i.test(contentType);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
/** `05/Aug/2022:08:14:39 +0000`, the requestContext.time format (made once per second). */
let lastSecond = -1;
let lastClf = '';
const clfTime = (d: Date) => {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastClf = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
      d.getUTCMinutes(),
    )}:${pad(d.getUTCSeconds())} +0000`;
  }
  return lastClf;
};

export class RequestTooLargeError extends Error {}

const EMPTY = Buffer.alloc(0);

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  // Most requests (GET, HEAD) announce no body: skip the stream's async iteration for them.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)
    return EMPTY;
  if (req.headers['content-length'] === '0') return EMPTY;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new RequestTooLargeError('request body is larger than 6 MB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A request's headers as a Function URL passes them: names lower-cased, repeats joined with commas, cookies
 * apart, and the X-Forwarded-* headers it adds.
 */
export function functionUrlHeaders(req: IncomingMessage): {
  headers: Record<string, string>;
  cookies?: string[];
} {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter(Boolean)];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const port = req.socket.localPort;
  headers['x-forwarded-proto'] ??= 'http';
  if (port !== undefined) headers['x-forwarded-port'] ??= String(port);
  headers['x-forwarded-for'] ??= req.socket.remoteAddress ?? '127.0.0.1';
  return { headers, cookies };
}

/** The domain name of the request context: the Host header, else the local address. */
export const domainNameOf = (req: IncomingMessage, headers: Record<string, string>): string =>
  headers.host ?? `127.0.0.1:${req.socket.localPort ?? ''}`;

/** Builds the Function URL event for a request (reads its body). */
export async function toFunctionUrlEvent(
  req: IncomingMessage,
  now = new Date(),
): Promise<APIGatewayProxyEventV2> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQueryString = q === -1 ? '' : url.slice(q + 1);
  const { headers, cookies } = functionUrlHeaders(req);

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
    }
  }

  const body = await readBody(req);
  const text = isTextType(headers['content-type']);
  const host = domainNameOf(req, headers);
  const method = (req.method ?? 'GET').toUpperCase();

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    cookies,
    headers,
    queryStringParameters,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? (text ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** Writes a handler result as the response. A HEAD request gets the headers (with the length) and no body. */
export function writeResult(
  req: IncomingMessage,
  res: ServerResponse,
  result: APIGatewayProxyResultV2,
): void {
  // A plain string (or object) result means 200 with a JSON body, as Lambda's HTTP integrations read it.
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? result
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result),
        };
  const body = structured.body
    ? structured.isBase64Encoded
      ? Buffer.from(structured.body, 'base64')
      : Buffer.from(structured.body, 'utf8')
    : EMPTY;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  writeResponse(req, res, structured.statusCode ?? 200, headers, body);
}

/**
 * Writes a response (header names lower-case) as a Function URL does: a body's length is its Content-Length
 * (a HEAD answer keeps the one it was given), and a HEAD request or a bodyless status gets no body.
 */
export function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | string[]>>,
  body: Buffer | string,
): void {
  const bodyless = status === 204 || status === 304 || (status >= 100 && status < 200);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const declared = headers['content-length'];
  const out =
    !bodyless && (length > 0 || declared === undefined) && declared !== String(length)
      ? { ...headers, 'content-length': String(length) }
      : headers;
  res.writeHead(status, out);
  res.end(req.method === 'HEAD' || bodyless ? undefined : body);
}

/**
 * The answer to a failed invocation: a result over the payload limit is a 502 as a Function URL gives it, a
 * request body over 6 MB a 413, anything else a short 500 (reported through `onError`), never a trace.
 */
export function answerFailure(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  onError: (error: unknown, req: IncomingMessage) => void,
): void {
  const tooLarge = error instanceof RequestTooLargeError;
  if (!tooLarge) onError(error, req);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof ResponseTooLargeError) {
    // What a Function URL answers when the function fails (an error, not a response of its own).
    res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(req.method === 'HEAD' ? undefined : 'Internal Server Error');
    return;
  }
  const message = tooLarge ? 'Request body too large (6 MB at most).\n' : 'Internal error.\n';
  res.writeHead(tooLarge ? 413 : 500, {
    'content-type': 'text/plain; charset=utf-8',
    connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : message);
}

/** A request listener that answers every request through `handler`; failures become a short 500, never a trace. */
export function functionUrlListener(
  handler: FunctionUrlHandler,
  onError: (error: unknown, req: IncomingMessage) => void = () => {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      try {
        const event = await toFunctionUrlEvent(req);
        const result = await handler(event);
        checkResponseSize(result);
        writeResult(req, res, result);
      } catch (error) {
        answerFailure(req, res, error, onError);
      }
    })();
  };
}

export { clientErrorAnswer, functionUrlServer } from './http-server.js';
