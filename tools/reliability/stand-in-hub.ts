/**
 * A stand-in WebSub hub on loopback, for the tests and `npm run reliability`: records each publish ping and,
 * as a hub does, fetches the pinged feed at once and records what it got (unless told not to). It can also
 * refuse (an HTTP error) or hang (never answer).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { freePort } from '../lib/procs.js';
import { waitFor } from '../lib/stats.js';

export interface Ping {
  /** When the ping arrived (ms since the epoch). */
  at: number;
  contentType: string | undefined;
  mode: string | null;
  url: string | null;
  /** What fetching `url` right after the ping gave (accepting hubs only). */
  fetched?: { status: number; body: string; link: string | null };
}

export async function startStandInHub(
  behaviour: 'accept' | 'refuse' | 'hang' = 'accept',
  options: { fetchFeeds?: boolean } = {},
) {
  const fetchFeeds = behaviour === 'accept' && (options.fetchFeeds ?? true);
  const pings: Ping[] = [];
  const hanging = new Set<ServerResponse>();
  const fetches: Promise<void>[] = [];
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    if (behaviour === 'hang') {
      hanging.add(res);
      return;
    }
    const form = new URLSearchParams(await text(req));
    const ping: Ping = {
      at: Date.now(),
      contentType: req.headers['content-type'],
      mode: form.get('hub.mode'),
      url: form.get('hub.url'),
    };
    pings.push(ping);
    if (behaviour === 'refuse') return res.writeHead(503).end('Hub overloaded');
    res.writeHead(202).end();
    if (!ping.url || !fetchFeeds) return;
    const fetching = fetch(ping.url).then(
      async (got) => {
        ping.fetched = { status: got.status, body: await got.text(), link: got.headers.get('link') };
      },
      (e: Error) => {
        ping.fetched = { status: 0, body: String(e.cause ?? e.message), link: null };
      },
    );
    fetches.push(fetching);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`,
    pings,
    /** Requests received, including those never answered (a hanging hub). */
    requests: () => requests,
    /** Resolves when `n` pings have arrived and their fetches are done. */
    received: (n: number, timeoutMs = 10_000) =>
      waitFor(
        `${n} pings at the hub`,
        () => (pings.length < n || pings.some((p) => p.url && fetchFeeds && !p.fetched) ? undefined : pings),
        timeoutMs,
        5,
      ),
    close: async () => {
      await Promise.all(fetches);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type StandInHub = Awaited<ReturnType<typeof startStandInHub>>;

/** A hub URL where nothing listens (a hub that is down): a port that was free a moment ago. */
export const downHubUrl = async (): Promise<string> => `http://127.0.0.1:${await freePort()}/hub`;
