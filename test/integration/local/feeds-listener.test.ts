/**
 * The local server's thin way to the feeds function (feedsListener) against the Function URL event round
 * trip it replaces (functionUrlListener around the same Lambda handler): the same answers, byte for byte, and
 * the same failures where AWS fails (413, 502 over the payload limit, the deadline's 503).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../../functions/feeds/lambda.js';
import { feedsListener } from '../../../local/feeds-listener.js';
import { functionUrlListener, functionUrlServer } from '../../../local/function-url.js';
import type { FeedsApp } from '../../../shared/feeds/app.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { rawRequest } from '../../../tools/reliability/hostile/raw-http.js';
import { CONFIG, entry, seed, testApp } from '../../support/feeds-fixtures.js';
import { type HttpAnswer, httpRequest } from '../../support/http-request.js';

const servers: Server[] = [];
const errors: unknown[] = [];

async function listen(listener: Parameters<typeof functionUrlServer>[0]): Promise<number> {
  const server = functionUrlServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A request with exactly these headers (repeats kept); the Host is feeds.test unless given. */
const send = (port: number, method: string, path: string, headers: [string, string][] = [], body?: Buffer) =>
  httpRequest(
    port,
    method,
    path,
    headers.some(([n]) => n.toLowerCase() === 'host') ? headers : [['Host', 'feeds.test'], ...headers],
    body,
  );

/** Status, headers in order (but the Date, which differs), and the body's bytes. */
const comparable = (a: HttpAnswer) => ({
  status: a.status,
  headers: Object.entries(a.headers).filter(([n]) => n !== 'date'),
  body: a.body.toString('base64'),
});

describe('feedsListener: the feeds app without the event round trip', () => {
  const ports = { event: 0, thin: 0 };

  beforeAll(async () => {
    const store = new MemoryStore();
    await seed(
      store,
      Array.from({ length: 12 }, (_, i) =>
        entry(i + 1, {
          topics:
            i % 2
              ? [{ slug: 'election', name: 'Election' }]
              : [
                  { slug: 'election', name: 'Election' },
                  { slug: 'joe-biden', name: 'Joe Biden' },
                ],
        }),
      ),
    );
    const app = testApp({ store, config: { ...CONFIG, publicBaseUrl: undefined } }).app;
    const handler = lambdaHandler(app);
    ports.event = await listen(functionUrlListener(handler));
    ports.thin = await listen(feedsListener(handler));
  });

  const cases: [string, string, [string, string][]][] = [
    ['GET', '/topics/election/rss.xml', []],
    ['GET', '/topics/election/rss.xml', [['Accept-Encoding', 'gzip']]],
    ['GET', '/topics/election/atom.xml?limit=3', [['Accept-Encoding', 'gzip, br']]],
    ['HEAD', '/topics/election/feed.json', [['Accept-Encoding', 'gzip']]],
    ['GET', '/topics/election,joe-biden/feed.json?limit=2&limit=5', []],
    [
      'GET',
      '/',
      [
        ['X-Forwarded-Host', 'news.example.net'],
        ['X-Forwarded-Proto', 'https'],
      ],
    ],
    [
      'GET',
      '/topics.json',
      [
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Proto', 'http'],
      ],
    ],
    ['GET', '/feeds.opml?format=atom', [['Cookie', 'a=1']]],
    ['GET', '/topics/Election/rss.xml?limit=2', []],
    ['GET', '/topics/nope/rss.xml', []],
    ['GET', '/topics/election/rss.xml?limit=x', []],
    ['POST', '/rss.xml', []],
    ['GET', '/rss.xml', [['Host', 'evil.example/"><x>']]],
    [
      'GET',
      '/rss.xml',
      [
        ['Host', 'a.example'],
        ['Host', 'b.example'],
      ],
    ],
  ];

  for (const [method, path, headers] of cases) {
    it(`answers ${method} ${path} ${JSON.stringify(headers)} as the event round trip does`, async () => {
      const viaEvent = await send(ports.event, method, path, headers);
      const thin = await send(ports.thin, method, path, headers);
      expect(comparable(thin)).toEqual(comparable(viaEvent));
    });
  }

  it('answers conditional requests (If-None-Match, If-Modified-Since) as the event round trip does', async () => {
    const first = await send(ports.thin, 'GET', '/rss.xml', [['Accept-Encoding', 'gzip']]);
    for (const condition of [
      ['If-None-Match', first.headers.etag as string],
      ['If-Modified-Since', first.headers['last-modified'] as string],
    ] as [string, string][]) {
      const viaEvent = await send(ports.event, 'GET', '/rss.xml', [['Accept-Encoding', 'gzip'], condition]);
      const thin = await send(ports.thin, 'GET', '/rss.xml', [['Accept-Encoding', 'gzip'], condition]);
      expect(thin.status).toBe(304);
      expect(comparable(thin)).toEqual(comparable(viaEvent));
    }
  });

  it('takes an HTTP/1.0 request without Host, naming the local address as the Function URL domain', async () => {
    const thin = await rawRequest(ports.thin, 'GET /feed.json HTTP/1.0\r\n\r\n');
    expect(thin.status).toBe(200);
    expect(JSON.parse(thin.body).feed_url).toBe(`http://127.0.0.1:${ports.thin}/feed.json`);
  });

  it('refuses a request body over 6 MB with 413, as a Function URL does', async () => {
    const res = await send(ports.thin, 'POST', '/rss.xml', [], Buffer.alloc(6 * 1024 * 1024 + 1, 1));
    expect(res.status).toBe(413);
    expect(res.body.toString()).toBe('Request body too large (6 MB at most).\n');
  });
});

describe('feedsListener: where Lambda fails', () => {
  /** An app answering a body of `bytes` (binary) for every request. */
  const sized =
    (bytes: number): FeedsApp =>
    async () => ({
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      body: Buffer.alloc(bytes, 7),
    });

  it('fails a response over 6 MB as Lambda counts it (base64 included) with a 502, and passes one under', async () => {
    errors.length = 0;
    const onError = (e: unknown) => errors.push(e);
    // 4.6 MB of bytes is 6.13 MB in base64: over the limit, though the bytes themselves are not.
    const over = await listen(feedsListener(lambdaHandler(sized(4.6 * 1024 * 1024)), onError));
    const res = await send(over, 'GET', '/big');
    expect(res.status).toBe(502);
    expect(res.body.toString()).toBe('Internal Server Error');
    expect(String((errors[0] as Error).message)).toMatch(
      /^Response payload size \(\d+ bytes\) exceeded maximum allowed payload size \(6291556 bytes\)/,
    );
    // 4.4 MB is 5.87 MB in base64: it fits, and comes through whole.
    const under = await listen(feedsListener(lambdaHandler(sized(4.4 * 1024 * 1024)), onError));
    const ok = await send(under, 'GET', '/big');
    expect(ok.status).toBe(200);
    expect(ok.body.length).toBe(Math.floor(4.4 * 1024 * 1024));
  });

  it("answers the deadline's 503 when the store does not answer before the function's time is up", async () => {
    const store = new MemoryStore();
    await seed(store, [entry(1)]);
    store.queryEntries = () => new Promise(() => {});
    const app = testApp({ store, config: { ...CONFIG, publicBaseUrl: undefined } }).app;
    const port = await listen(feedsListener(lambdaHandler(app, { timeoutMs: 1300 })));
    const started = Date.now();
    const res = await send(port, 'GET', '/topics/election/rss.xml');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.toString()).toContain('did not answer in time');
    expect(Date.now() - started).toBeLessThan(1300);
  });

  it('sends any other handler through the Function URL event', async () => {
    const port = await listen(feedsListener(async (event) => ({ statusCode: 200, body: event.rawPath })));
    const res = await send(port, 'GET', '/some/path?x=1');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('/some/path');
  });
});
