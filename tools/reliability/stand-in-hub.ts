/**
 * A stand-in WebSub hub on loopback, for the tests and `npm run reliability`: records each publish ping and,
 * as a hub does, fetches the pinged feed at once and records what it got (unless told not to). It can also
 * refuse (an HTTP error) or hang (never answer).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../lib/procs.js';

export interface Ping {
  /** When the ping arrived (ms since the epoch). */
  at: number;
  contentType: string | undefined;
  mode: string | null;
  url: string | null;
  /** What fetching `url` right after the ping gave (accepting hubs only). */
  fetched?: { status: number; body: string; link: string | null };
}

export type HubBehaviour = 'accept' | 'refuse' | 'hang';

export interface StandInHub {
  url: string;
  pings: Ping[];
  /** Requests received, including those never answered (a hanging hub). */
  requests(): number;
  /** Resolves when `n` pings have arrived and their fetches are done. */
  received(n: number, timeoutMs?: number): Promise<Ping[]>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startStandInHub(
  behaviour: HubBehaviour = 'accept',
  options: { fetchFeeds?: boolean } = {},
): Promise<StandInHub> {
  const fetchFeeds = options.fetchFeeds ?? true;
  const pings: Ping[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<ServerResponse>();
  const fetches = new Set<Promise<void>>();
  let requests = 0;
  const server: Server = createServer(async (req, res) => {
    requests++;
    if (behaviour === 'hang') {
      hanging.add(res);
      return;
    }
    const form = new URLSearchParams(await body(req));
    const ping: Ping = {
      at: Date.now(),
      contentType: req.headers['content-type'],
      mode: form.get('hub.mode'),
      url: form.get('hub.url'),
    };
    pings.push(ping);
    if (behaviour === 'refuse') {
      res.writeHead(503).end('Hub overloaded');
    } else {
      res.writeHead(202).end();
      if (ping.url && fetchFeeds) {
        const fetching = fetch(ping.url).then(
          async (got) => {
            ping.fetched = { status: got.status, body: await got.text(), link: got.headers.get('link') };
          },
          (e: Error) => {
            ping.fetched = { status: 0, body: String(e.cause ?? e.message), link: null };
          },
        );
        fetches.add(fetching);
        await fetching;
        fetches.delete(fetching);
      }
    }
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  return {
    url,
    pings,
    requests: () => requests,
    received(n, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (
            pings.length < n ||
            pings.some((p) => p.url && fetchFeeds && behaviour === 'accept' && !p.fetched)
          )
            return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(pings);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the hub got ${pings.length} pings, not ${n}, within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      await Promise.all([...fetches]);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A hub URL where nothing listens (a hub that is down): a port that was free a moment ago. */
export const downHubUrl = async (): Promise<string> => `http://127.0.0.1:${await freePort()}/hub`;
