/** The publisher core against stand-in hubs on loopback: pings as hubs take them; failing hubs only warn. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { publish } from '../../../functions/publish/publisher.js';
import { ALL } from '../../../shared/article/model.js';
import { downHubUrl, type StandInHub, startStandInHub } from '../../../tools/reliability/stand-in-hub.js';
import { RecordingLog } from '../../support/fakes.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function hub(behaviour?: 'accept' | 'refuse' | 'hang'): Promise<StandInHub> {
  const h = await startStandInHub(behaviour);
  closers.push(h.close);
  return h;
}

/** A feeds server that answers every path with its path: what an accepting hub fetches. */
async function feedsServer(): Promise<string> {
  const server = createServer((req, res) => res.writeHead(200).end(`feed at ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const FAST = { attempts: 3, timeoutMs: 300, backoffMs: 20 };

describe('publish', () => {
  it('POSTs hub.mode=publish&hub.url=<self URL>, form-encoded, for every format of every changed feed', async () => {
    const [a, b] = [await hub(), await hub()];
    const base = await feedsServer();
    const log = new RecordingLog();
    const report = await publish([ALL, 'election', 'election'], { hubs: [a.url, b.url], baseUrl: base, log });
    expect(report).toEqual({ sent: 12, dropped: [] });
    for (const h of [a, b]) {
      await h.received(6);
      expect(h.pings.map((p) => p.url).sort()).toEqual(
        [
          '/atom.xml',
          '/feed.json',
          '/rss.xml',
          '/topics/election/atom.xml',
          '/topics/election/feed.json',
          '/topics/election/rss.xml',
        ].map((p) => `${base}${p}`),
      );
      for (const p of h.pings) {
        expect(p.contentType).toBe('application/x-www-form-urlencoded');
        expect(p.mode).toBe('publish');
        expect(p.fetched).toEqual({
          status: 200,
          body: `feed at ${new URL(p.url as string).pathname}`,
          link: null,
        });
      }
    }
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('retries a refusing hub, then drops each ping with one warning naming hub and feed; the good hub is unaffected', async () => {
    const [good, refusing] = [await hub(), await hub('refuse')];
    const base = await feedsServer();
    const log = new RecordingLog();
    const report = await publish(['election'], {
      hubs: [refusing.url, good.url],
      baseUrl: base,
      log,
      ...FAST,
      concurrency: 1,
    });
    expect(report.sent).toBe(3);
    expect(await good.received(3)).toHaveLength(3);
    const warnings = log.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => [w.extra.hub, w.extra.feed]).sort()).toEqual([
      [refusing.url, `${base}/topics/election/atom.xml`],
      [refusing.url, `${base}/topics/election/feed.json`],
      [refusing.url, `${base}/topics/election/rss.xml`],
    ]);
    expect(warnings[0]?.message).toContain(refusing.url);
    expect(warnings[0]?.message).toContain(`${base}/topics/election/rss.xml`);
    expect(warnings[0]?.extra.reason).toBe('it answered 503 Service Unavailable; 3 attempts');
    // Two pings failed every attempt; the third was not tried (the hub had failed twice in a row).
    expect(refusing.pings).toHaveLength(6);
    expect(warnings[2]?.extra.reason).toMatch(/^not tried: the hub failed 2 pings in a row/);
  });

  it('a hub that is down or hangs costs a bounded time and one warning per feed, never a throw', async () => {
    const down = await downHubUrl();
    const hanging = await hub('hang');
    const good = await hub();
    const base = await feedsServer();
    const log = new RecordingLog();
    const feeds = [ALL, ...Array.from({ length: 20 }, (_, i) => `topic-${i}`)];
    const report = await publish(feeds, {
      hubs: [down, hanging.url, good.url],
      baseUrl: base,
      log,
      ...FAST,
      timeoutMs: 1500,
    });
    expect(report.sent).toBe(63);
    // A slow answer under this load may be retried: the hub then hears of a feed twice, which is harmless.
    expect(new Set((await good.received(63)).map((p) => p.url)).size).toBe(63);
    const warnings = log.lines.filter((l) => l.level === 'warn');
    for (const h of [down, hanging.url]) {
      const mine = warnings.filter((w) => w.extra.hub === h).map((w) => w.extra.feed);
      expect(mine).toHaveLength(63);
      expect(new Set(mine).size).toBe(63);
    }
    expect(warnings.find((w) => w.extra.hub === down)?.extra.reason).toMatch(/ECONNREFUSED/);
    expect(warnings.find((w) => w.extra.hub === hanging.url)?.extra.reason).toMatch(/no answer within 1.5 s/);
    // A round or two of time-outs (8 pings at once, 3 attempts each), not one per feed (63 × 3).
    expect(hanging.requests()).toBeLessThanOrEqual(2 * 8 * 3);
  });

  it('stops without warnings when the run is aborted', async () => {
    const hanging = await hub('hang');
    const log = new RecordingLog();
    const controller = new AbortController();
    const run = publish(['election'], {
      hubs: [hanging.url],
      baseUrl: 'http://127.0.0.1:9',
      log,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    expect(await run).toEqual({ sent: 0, dropped: [] });
    expect(log.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
