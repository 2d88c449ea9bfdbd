import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionUrlListener } from '../../local/function-url.js';

let server: Server;
let base: string;
let last: APIGatewayProxyEventV2 | undefined;
let respond: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;
const errors: unknown[] = [];

beforeAll(async () => {
  server = createServer(
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
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A raw request (fetch would normalize the path and headers). */
function send(
  method: string,
  path: string,
  headers: [string, string][] = [],
  body?: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: [['Host', url.host], ...headers].flat() as never,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

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
});
