import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  functionUrlListener,
  functionUrlServer,
  MAX_RESPONSE_PAYLOAD_BYTES,
  responsePayloadBytes,
} from '../../../local/function-url.js';
import { type RawResponse, rawRequest } from '../../../tools/reliability/hostile/raw-http.js';
import { httpRequest } from '../../support/http-request.js';

let server: Server;
let base: string;
let last: APIGatewayProxyEventV2 | undefined;
let respond: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;
const errors: unknown[] = [];

beforeAll(async () => {
  server = functionUrlServer(
    functionUrlListener(
      async (event) => {
        last = event;
        return respond(event);
      },
      (e) => errors.push(e),
    ),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
const port = () => (server.address() as AddressInfo).port;

/** A raw request (fetch would normalize the path and headers). */
const send = (method: string, path: string, headers: [string, string][] = [], body?: Buffer) =>
  httpRequest(port(), method, path, [['Host', new URL(base).host], ...headers], body);

describe('Function URL adapter', () => {
  it('builds a payload 2.0 event: raw path and query, joined repeats, lowercased headers, cookies apart', async () => {
    respond = async () => ({ statusCode: 200, body: 'ok' });
    await send('GET', '/topics/caf%C3%A9.rss?a=1&a=2&q=x%20y&plus=a+b', [
      ['X-Custom', 'one'],
      ['X-Custom', 'two'],
      ['Cookie', 'c1=v1; c2=v2'],
      ['User-Agent', 'test-agent'],
    ]);
    expect(last).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/topics/caf%C3%A9.rss',
      rawQueryString: 'a=1&a=2&q=x%20y&plus=a+b',
      queryStringParameters: { a: '1,2', q: 'x y', plus: 'a b' },
      cookies: ['c1=v1', 'c2=v2'],
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/topics/caf%C3%A9.rss', protocol: 'HTTP/1.1', userAgent: 'test-agent' },
        stage: '$default',
      },
    });
    expect(last?.headers['x-custom']).toBe('one,two');
    expect(last?.headers.cookie).toBeUndefined();
    expect(last?.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(last?.body).toBeUndefined();
    expect(last?.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('passes headers as sent, names lower-cased, and joins a repeat even where Node keeps only the first', async () => {
    respond = async () => ({ statusCode: 204 });
    await send('GET', '/', [
      ['Accept-Encoding', 'gzip, br'],
      ['If-None-Match', '"abc-gz"'],
      ['X-Mixed-Case', 'Value As Sent'],
    ]);
    expect(last?.headers).toEqual({
      host: new URL(base).host,
      'accept-encoding': 'gzip, br',
      'if-none-match': '"abc-gz"',
      'x-mixed-case': 'Value As Sent',
      connection: 'keep-alive',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(port()),
      'x-forwarded-for': '127.0.0.1',
    });
    expect(last?.cookies).toBeUndefined();
    // Node's own parse keeps the first User-Agent and drops the second; a Function URL joins them.
    await send('GET', '/', [
      ['User-Agent', 'first'],
      ['User-Agent', 'second'],
    ]);
    expect(last?.headers['user-agent']).toBe('first,second');
  });

  it('passes text and JSON bodies as text and anything else base64-encoded', async () => {
    respond = async () => ({ statusCode: 204 });
    await send('POST', '/x', [['Content-Type', 'application/json']], Buffer.from('{"a":1}'));
    expect(last).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const bytes = Buffer.from([0, 255, 1, 2]);
    await send('POST', '/x', [['Content-Type', 'application/octet-stream']], bytes);
    expect(last).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('writes status, headers, cookies and base64 bodies; HEAD gets the length and no body', async () => {
    const payload = Buffer.from('binary\u0000body');
    respond = async () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/x-test', ETag: '"v1"', 'x-num': 5 },
      cookies: ['a=1; Path=/', 'b=2'],
      body: payload.toString('base64'),
      isBase64Encoded: true,
    });
    const got = await send('GET', '/y');
    expect(got.status).toBe(201);
    expect(got.body.equals(payload)).toBe(true);
    expect(got.headers).toMatchObject({ 'content-type': 'application/x-test', etag: '"v1"', 'x-num': '5' });
    expect(got.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    const head = await send('HEAD', '/y');
    expect(head.status).toBe(201);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(payload.length));
  });

  it('reads a plain string result as 200 JSON, and a 304 as bodyless', async () => {
    respond = async () => '{"hello":"world"}';
    const got = await send('GET', '/z');
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body.toString())).toEqual({ hello: 'world' });
    respond = async () => ({ statusCode: 304, headers: { etag: '"v1"' } });
    const notModified = await send('GET', '/z');
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
  });

  it('turns a handler failure into a short 500 without a stack trace, and reports it', async () => {
    respond = async () => {
      throw new Error('secret internals at /work/main/x.ts:1');
    };
    errors.length = 0;
    const got = await send('GET', '/boom');
    expect(got.status).toBe(500);
    expect(got.body.toString()).toBe('Internal error.\n');
    expect(errors).toHaveLength(1);
  });

  it('fails a result over 6 MB as Lambda counts it (JSON, base64 included) with a 502, as a Function URL does', async () => {
    // 4.6 MB of bytes is 6.13 MB in base64: over the limit, though the bytes themselves are not.
    const bytes = Buffer.alloc(4.6 * 1024 * 1024, 7);
    expect(bytes.toString('base64').length).toBeGreaterThan(MAX_RESPONSE_PAYLOAD_BYTES);
    respond = async () => ({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true });
    errors.length = 0;
    const got = await send('GET', '/big');
    expect(got.status).toBe(502);
    expect(got.body.toString()).toBe('Internal Server Error');
    expect(String((errors[0] as Error).message)).toMatch(
      /^Response payload size \(\d+ bytes\) exceeded maximum allowed payload size \(6291556 bytes\)/,
    );

    // Text counts as its JSON string: 3.5 MB of quotes is 7 MB escaped.
    const quotes = '"'.repeat(3.5 * 1024 * 1024);
    respond = async () => ({ statusCode: 200, body: quotes });
    expect((await send('GET', '/quotes')).status).toBe(502);

    // Just under the limit passes whole.
    const fits = 'a'.repeat(MAX_RESPONSE_PAYLOAD_BYTES - 200);
    const result = { statusCode: 200, body: fits };
    expect(responsePayloadBytes(result)).toBeLessThanOrEqual(MAX_RESPONSE_PAYLOAD_BYTES);
    respond = async () => result;
    const ok = await send('GET', '/fits');
    expect(ok.status).toBe(200);
    expect(ok.body.length).toBe(fits.length);
  });
});

describe('the HTTP server around it: what Node refuses before any listener runs gets a reason too', () => {
  const line = (method: string, target: string, headers: string[] = ['Host: x']) =>
    `${method} ${target} HTTP/1.1\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`;
  /** Raw bytes, the status they must get, and what the reason must say. */
  const cases: [string, string | Buffer, number, RegExp][] = [
    ['request line over 16 KB', line('GET', `/topics/${'a'.repeat(60_000)}`), 431, /too large: 16 KB/],
    ['headers over 16 KB', line('GET', '/', ['Host: x', `Cookie: ${'c'.repeat(20_000)}`]), 431, /too large/],
    ['a lower-case method', line('get', '/'), 400, /method/],
    ['an invented method', line('FOO', '/'), 400, /method: feeds are read with GET or HEAD/],
    [
      'a TLS handshake',
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03]),
      400,
      /not TLS/,
    ],
    ['raw non-ASCII in the path', Buffer.from(line('GET', '/topics/café'), 'utf8'), 400, /percent-encoded/],
    ['a header without its colon', line('GET', '/', ['Host: x', 'X-Broken']), 400, /Malformed header/],
    ['a bare CR in a header', line('GET', '/', ['Host: x', 'X-Test: a\rb']), 400, /CRLF/],
    [
      'Content-Length with Transfer-Encoding (smuggling)',
      line('GET', '/', ['Host: x', 'Content-Length: 5', 'Transfer-Encoding: chunked']),
      400,
      /Transfer-Encoding with Content-Length/,
    ],
    ['a negative Content-Length', line('GET', '/', ['Host: x', 'Content-Length: -1']), 400, /Content-Length/],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, /not HTTP\/2/],
    ['CONNECT', line('CONNECT', 'evil.example:443'), 405, /not a proxy/],
    ['HTTP/1.1 without Host', line('GET', '/', []), 400, /Host header missing/],
  ];

  /** A refusal as the feeds app gives one: plain text, a few words, closed after. */
  function expectRefusal(res: RawResponse, status: number, reason: RegExp) {
    expect(res.status).toBe(status);
    expect(res.body).toMatch(reason);
    expect(res.body.trim().split(/\s+/).length).toBeGreaterThanOrEqual(4);
    expect(res.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      connection: 'close',
      'content-length': String(Buffer.byteLength(res.body)),
    });
  }

  for (const [name, bytes, status, reason] of cases) {
    it(`answers ${name} with ${status} and a reason, then closes`, async () => {
      last = undefined;
      // rawRequest resolves once the server has closed the connection.
      const res = await rawRequest(port(), bytes);
      expectRefusal(res, status, reason);
      expect(last).toBeUndefined();
    });
  }

  it('tells CONNECT which methods there are', async () => {
    const res = await rawRequest(port(), line('CONNECT', 'evil.example:443'));
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('echoes nothing of the request in a reason', async () => {
    const res = await rawRequest(port(), line('GET', '/<script>alert(1)</script>', ['Host: x', 'X-<b>: 1']));
    expect(res.status).toBe(400);
    expect(res.body).not.toMatch(/script|<b>/);
  });

  it('still hands well-formed requests to the listener, HTTP/1.0 without Host included', async () => {
    respond = async () => ({ statusCode: 200, body: 'ok' });
    const res = await rawRequest(port(), 'GET /fine HTTP/1.0\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(last?.rawPath).toBe('/fine');
  });

  it('answers a good request on a kept-alive connection, then a malformed one after it with a reason', async () => {
    respond = async () => ({ statusCode: 200, body: 'first' });
    const good = 'GET /first HTTP/1.1\r\nHost: x\r\n\r\n';
    // The second request arrives once the first is answered, as a client reusing its connection sends it.
    const socket = connect(port(), '127.0.0.1');
    const received: Buffer[] = [];
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (c: Buffer) => {
      received.push(c);
      if (received.length === 1) socket.write('get /second HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    socket.write(good);
    await closed;
    const text = Buffer.concat(received).toString('latin1');
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 [\s\S]*\r\n\r\nfirst$/);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 400 [\s\S]*method/);
  });
});
