/**
 * The local stand-in for a Lambda Function URL: a node:http request becomes an APIGatewayProxyEventV2 (payload
 * format 2.0, as Function URLs send it), and the handler's result becomes the HTTP response.
 * As with Function URLs: the path keeps its percent-encoding, the query string is passed raw, repeated headers
 * and query parameters are joined with commas, cookies move to `cookies`, and a body that is not text or JSON
 * arrives base64-encoded. `functionUrlServer` is the HTTP server around it: what Node's HTTP layer refuses
 * before any listener runs (malformed requests, CONNECT, a missing Host) is answered here with a reason too.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
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

/** The fixed headers of an answer written straight to a socket (no ServerResponse exists for it). */
const RAW_HEADERS =
  'Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close';
const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

const NO_HOST = 'Host header missing: HTTP/1.1 requests must name the host.\n';

/** A whole HTTP/1.1 response with a plain-text reason, as bytes for a socket. */
function rawAnswer(status: number, reason: string, extraHeaders = ''): string {
  const body = `${reason}\n`;
  return (
    `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Error'}\r\n${extraHeaders}${RAW_HEADERS}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/**
 * The answer to a request Node's HTTP parser refused (a 'clientError'), by llhttp's error code: what was
 * wrong, in a few words. The reasons are fixed text: nothing of the request is echoed back.
 */
export function clientErrorAnswer(
  error: Error & { code?: string; reason?: string; rawPacket?: Buffer },
  headerLimit = maxHeaderSize,
): { status: number; reason: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: `Request line and headers too large: ${Math.round(headerLimit / 1024)} KB in all at most.`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, reason: 'The request did not arrive in time; the connection is closed.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, reason: 'Chunk extensions of the request body are too large.' };
    case 'HPE_PAUSED_H2_UPGRADE':
    case 'HPE_INVALID_VERSION':
      // 505 would name it best, but a refusal of the client's request is a 4xx here, never a 5xx.
      return { status: 400, reason: 'Only HTTP/1.1 (or 1.0) is spoken on this port, not HTTP/2.' };
    case 'HPE_INVALID_METHOD':
      // A TLS ClientHello starts with the handshake record type 0x16.
      return error.rawPacket?.[0] === 0x16
        ? { status: 400, reason: 'This port speaks plain HTTP, not TLS: use an http:// address.' }
        : { status: 400, reason: 'Unknown or malformed method: feeds are read with GET or HEAD.' };
    case 'HPE_INVALID_URL':
      return {
        status: 400,
        reason:
          'Malformed request target: spaces, controls and non-ASCII characters must be percent-encoded.',
      };
    case 'HPE_INVALID_HEADER_TOKEN':
      return {
        status: 400,
        reason: 'Malformed header: a name without its colon, or a character headers may not hold.',
      };
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_STRICT':
      return {
        status: 400,
        reason: 'Malformed request: lines end with CRLF, and no header holds a bare CR or LF.',
      };
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return {
        status: 400,
        reason:
          'Refused: Transfer-Encoding with Content-Length, or a Transfer-Encoding other than chunked last.',
      };
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, reason: 'Invalid Content-Length: one non-negative number of bytes.' };
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, reason: 'Malformed chunked body: a chunk size is not a hexadecimal number.' };
    default:
      return {
        status: 400,
        // llhttp's reasons are fixed phrases ("Invalid constant string"), never request content.
        reason: `Malformed HTTP request${error.reason ? ` (${error.reason.toLowerCase()})` : ''}.`,
      };
  }
}

/** Whether the raw headers name a Host (read without building `req.headers`, which the feeds path never needs). */
function hasHost(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') return true;
  }
  return false;
}

/**
 * The local stack's HTTP server: `listener` for requests, as `http.createServer` with keep-alive, plus answers
 * with a reason for what Node's HTTP layer would refuse bare (a 400 or 431 without a word) or not answer at
 * all (CONNECT). None of this adds work to a well-formed request but one check for its Host header.
 */
export function functionUrlServer(listener: RequestListener): Server {
  // Node's own Host check answers a bare 400 before any listener runs: it is made here, with a reason.
  const server = createServer({ keepAlive: true, requireHostHeader: false }, (req, res) => {
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && !hasHost(req.rawHeaders)) {
      res.writeHead(400, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        connection: 'close',
        'content-length': Buffer.byteLength(NO_HOST),
      });
      res.end(req.method === 'HEAD' ? undefined : NO_HOST);
      return;
    }
    listener(req, res);
  });
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    // As Node does: answer only when the socket can take it and no response to an earlier request on it has
    // started (bytes of an answer in the middle of another would corrupt it); then close.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, reason } = clientErrorAnswer(error);
    socket.end(rawAnswer(status, reason));
    socket.destroySoon();
  });
  // Without a 'connect' listener Node closes the socket of a CONNECT request without a word.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.end(
      rawAnswer(
        405,
        'CONNECT is not supported: this server serves feeds, it is not a proxy.',
        'Allow: GET, HEAD\r\n',
      ),
    );
    socket.destroySoon();
  });
  return server;
}
