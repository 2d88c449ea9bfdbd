/**
 * Hostile requests against the feeds, over real HTTP through the same server and adapter the local stack uses
 * (Function URL events into the Lambda handler's app): a 4xx with a reason, or a harmless answer, never a 5xx.
 * Requests malformed at the protocol level (refused by the server's HTTP layer before the app) included.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../../functions/feeds/lambda.js';
import { functionUrlListener, functionUrlServer } from '../../../local/function-url.js';
import { createFeedsApp } from '../../../shared/feeds/app.js';
import {
  hostileHeaders,
  hostileMethod,
  hostilePath,
  hostileQuery,
} from '../../../tools/reliability/hostile/arbitraries.js';
import { frontMatter, validFields } from '../../../tools/reliability/hostile/catalogue.js';
import {
  BASE_URL,
  bodyText,
  FEEDS_CONFIG,
  HostileWorld,
  responseProblems,
} from '../../../tools/reliability/hostile/harness.js';
import { rawRequest, refusalProblem } from '../../../tools/reliability/hostile/raw-http.js';
import { type HostileRequest, hostileRequests } from '../../../tools/reliability/hostile/requests.js';

const world = new HostileWorld();
/** The same store behind an app with no configured base URL (it derives links from the Host header). */
const hostApp = createFeedsApp({
  store: world.store,
  config: { ...FEEDS_CONFIG, publicBaseUrl: undefined },
  log: { debug() {}, info() {}, warn() {}, error() {} },
  metaTtlMs: 0,
});
const servers: Server[] = [];
const ports: { base: number; host: number } = { base: 0, host: 0 };
const failures: unknown[] = [];
let requests: HostileRequest[] = [];

async function listen(app: typeof hostApp): Promise<number> {
  const server = functionUrlServer(functionUrlListener(lambdaHandler(app), (e) => failures.push(e)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  for (let i = 0; i < 8; i++) {
    const topics = i % 2 ? ['Hostile input', 'Election'] : ['Hostile input'];
    await world.ingest(`articles/${i}.md`, Buffer.from(frontMatter(validFields({ topics }))));
  }
  ports.base = await listen(world.app);
  ports.host = await listen(hostApp);
  const next = (JSON.parse(bodyText(await world.get('/feed.json?limit=2'))) as { next_url: string }).next_url;
  const cursor = new URL(next).searchParams.get('cursor') as string;
  requests = hostileRequests({ topic: 'hostile-input', cursor });
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A refusal names what is wrong, in plain text, briefly (it never echoes a whole hostile input back). */
function expectReason(
  res: { status: number; headers: Readonly<Record<string, string | undefined>> },
  body: string,
  name?: string,
): void {
  expect(refusalProblem({ ...res, body }), name).toBeUndefined();
}

describe('the hostile request catalogue, over HTTP', () => {
  it('covers traversal, overlong input, cursors, encodings, parameters, methods and headers', () => {
    expect(requests.length).toBeGreaterThan(60);
  });

  for (const app of ['base', 'host'] as const) {
    it(`gets the expected answers, 4xx with a reason, never a 5xx (${app === 'base' ? 'configured base URL' : 'base URL from Host'})`, async () => {
      const wrong: string[] = [];
      for (const r of requests) {
        const res = await rawRequest(ports[app], r.bytes);
        // Without a configured base URL a hostile Host is refused instead of written into links.
        const expected = app === 'host' && /host-markup/.test(r.name) ? [400] : r.expect;
        if (!expected.includes(res.status) || res.status >= 500)
          wrong.push(`${r.name}: ${res.status} ${res.body.slice(0, 100)}`);
        if (res.status >= 400 && r.bytes.startsWith('HEAD') === false) expectReason(res, res.body, r.name);
        if (res.status >= 300 && res.status < 400 && res.status !== 304) {
          expect(res.headers.location, r.name).toMatch(/^https?:\/\/(feeds\.example\.org|evil\.example)\//);
          if (app === 'base') expect(res.headers.location?.startsWith(`${BASE_URL}/`), r.name).toBe(true);
        }
      }
      expect(wrong).toEqual([]);
      expect(failures).toEqual([]);
    });
  }

  it('still serves normal requests afterwards', async () => {
    const res = await rawRequest(ports.base, 'GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
  });
});

describe('any hostile request (fast-check)', () => {
  it('is answered below 500; a refusal has a reason, a redirect stays on the site, a 200 is well-formed', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        hostileMethod,
        hostilePath,
        hostileQuery,
        hostileHeaders,
        async (method, path, query, headers) => {
          const res = await world.app({ method, path, query, headers });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400 && method !== 'HEAD') expectReason(res, bodyText(res));
          if (res.status === 301) expect(res.headers.location?.startsWith(`${BASE_URL}/`)).toBe(true);
          if (res.status === 200 && method === 'GET' && !headers['accept-encoding']) {
            expect(responseProblems(path, res)).toEqual([]);
          }
        },
      ),
      { seed: 20210314, numRuns: 400 },
    );
    // The generator reaches real feeds as well as refusals.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(3);
  });
});
