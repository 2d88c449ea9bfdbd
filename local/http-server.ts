/**
 * The local stack's HTTP server around the Function URL adapter: what Node's HTTP layer refuses before any
 * listener runs (malformed requests, CONNECT, a missing Host) is answered here with a reason too.
 */
import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

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
