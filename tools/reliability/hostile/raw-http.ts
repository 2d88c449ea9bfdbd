/**
 * A raw HTTP/1.1 client over a TCP socket: sends exactly the bytes given (no path normalization, no header
 * validation, as an attacker would), reads until the server closes, and splits the answer. `status` is 0
 * when the server closed the connection without answering.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function rawRequest(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 10 s'));
    }, 10_000);
    // write, not end: a half-closed client makes Node's server drop responses still being made.
    socket.on('connect', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A server may reset a connection it refuses before we finished sending: what it wrote still counts.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks).toString('latin1')));
    });
  });
}

/**
 * What is wrong with a refusal (a status of 400 or more), if anything: it must carry a reason, in plain text,
 * of a few words (at least four), briefly (it never echoes a whole hostile input back).
 */
export function refusalProblem(res: {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}): string | undefined {
  if (res.status < 400) return undefined;
  if (!/^text\/plain/.test(res.headers['content-type'] ?? '')) return 'a refusal that is not plain text';
  if (res.body.trim().split(/\s+/).length < 4) return 'a refusal without a reason of a few words';
  if (res.body.length >= 2048) return 'a refusal of 2 KB or more';
  return undefined;
}

function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/') || end === -1) return { status: 0, headers: {}, body: raw };
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  return {
    status: Number(statusLine.split(' ')[1] ?? 0),
    headers,
    body: Buffer.from(body, 'latin1').toString('utf8'),
  };
}

/** The body of a chunked answer: the chunks' data, up to the last (empty) chunk. */
function unchunk(s: string): string {
  let out = '';
  for (let i = 0, eol = s.indexOf('\r\n'); eol !== -1; eol = s.indexOf('\r\n', i)) {
    const size = Number.parseInt(s.slice(i, eol), 16);
    if (!(size > 0)) break;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
  return out;
}
