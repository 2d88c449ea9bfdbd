/** The Lambda adapter: payload 2.0 events in, structured results out (base64 for compressed bodies). */
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../../functions/feeds/lambda.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { CONFIG, entry, seed, testApp } from '../../support/feeds-fixtures.js';

function event(rawPath: string, rawQueryString = '', headers: Record<string, string> = {}, method = 'GET') {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    requestContext: { domainName: 'abc123.lambda-url.eu-west-1.on.aws', http: { method, path: rawPath } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

async function handler() {
  const store = new MemoryStore();
  await seed(store, [entry(1), entry(2)]);
  return lambdaHandler(testApp({ store, config: { ...CONFIG, publicBaseUrl: undefined } }).app);
}

describe('lambdaHandler', () => {
  it('passes text bodies as they are', async () => {
    const res = await (await handler())(
      event('/topics/election/feed.json', 'limit=1', { 'x-forwarded-proto': 'https' }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(false);
    const feed = JSON.parse(res.body as string);
    expect(feed.items).toHaveLength(1);
    // Without a Host header, the request context's domain makes the links.
    expect(feed.feed_url).toBe(
      'https://abc123.lambda-url.eu-west-1.on.aws/topics/election/feed.json?limit=1',
    );
  });

  it('sends compressed bodies base64-encoded with their coding', async () => {
    const h = await handler();
    const res = await h(
      event('/topics/election/rss.xml', '', { 'accept-encoding': 'gzip', host: 'feeds.example.net' }),
    );
    expect(res.isBase64Encoded).toBe(true);
    expect(res.headers?.['content-encoding']).toBe('gzip');
    const xml = gunzipSync(Buffer.from(res.body as string, 'base64')).toString();
    expect(xml).toContain('<atom:link href="https://feeds.example.net/topics/election/rss.xml" rel="self"');
    const again = await h(
      event('/topics/election/rss.xml', '', { 'accept-encoding': 'gzip', host: 'feeds.example.net' }),
    );
    expect(again.body).toBe(res.body);
  });

  it('maps method, query and conditional headers', async () => {
    const h = await handler();
    const first = await h(event('/rss.xml', '', { host: 'h.example' }));
    const etag = first.headers?.etag as string;
    const notModified = await h(event('/rss.xml', '', { host: 'h.example', 'if-none-match': etag }));
    expect(notModified.statusCode).toBe(304);
    expect((await h(event('/rss.xml', '', { host: 'h.example' }, 'POST'))).statusCode).toBe(405);
    expect((await h(event('/rss.xml', 'limit=x', { host: 'h.example' }))).statusCode).toBe(400);
  });

  it('answers 503 with Retry-After and a reason a second before the function times out, never cached', async () => {
    const store = new MemoryStore();
    await seed(store, [entry(1)]);
    // A store that never answers (a throttled or unreachable table after the SDK's bounded retries).
    store.queryEntries = () => new Promise(() => {});
    const h = lambdaHandler(testApp({ store, config: { ...CONFIG, publicBaseUrl: undefined } }).app);
    const started = Date.now();
    const deadline = started + 1300;
    const res = await h(event('/topics/election/rss.xml', '', { host: 'h.example' }), {
      getRemainingTimeInMillis: () => deadline - Date.now(),
    });
    const took = Date.now() - started;
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(res.headers?.['cache-control']).toBe('no-store');
    expect(res.body).toContain('did not answer in time');
    // Answered before the invocation's end (1.3 s), about a second ahead of it.
    expect(took).toBeLessThan(1300);
    expect(took).toBeGreaterThanOrEqual(250);
  });

  it('answers in time when the store does, without waiting for the deadline', async () => {
    const h = await handler();
    const res = await h(event('/rss.xml', '', { host: 'h.example' }), {
      getRemainingTimeInMillis: () => 10_000,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['cache-control']).toContain('stale-if-error=86400');
  });
});
