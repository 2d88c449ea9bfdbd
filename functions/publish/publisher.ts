/**
 * The WebSub publisher core: tells each hub that feeds changed (`hub.mode=publish&hub.url=<self URL>`, one
 * POST per hub and feed URL, form-encoded, as hubs take it; the W3C Recommendation leaves the request open).
 * Knows nothing of Lambda or SQS.
 *
 * Hubs fail; this never throws for them. A ping is tried a few times with growing, jittered back-off and a
 * time limit per attempt, then dropped with one warning naming the hub and the feed. A hub that drops two
 * pings in a row is not tried again in this run: its remaining pings are dropped at once, each with its
 * warning, so a hub that hangs costs one round of time-outs, not one per feed.
 */
import { setMaxListeners } from 'node:events';
import type { Log } from '../../shared/logger.js';
import { feedSelfUrls } from '../../shared/websub.js';

export interface PublisherOptions {
  hubs: readonly string[];
  /** The feeds' public base URL: the pinged self URLs are under it. */
  baseUrl: string;
  log: Log;
  /** Tries per ping (default 3). */
  attempts?: number;
  /** Time limit of one attempt, ms (default 5,000). */
  timeoutMs?: number;
  /** First back-off, ms; doubles per retry, with jitter (default 500). */
  backoffMs?: number;
  /** Pings in flight at once per hub (default 8). */
  concurrency?: number;
  /** Ends the run early (the process is stopping): pings not sent yet are left, without warnings. */
  signal?: AbortSignal;
}

export interface Dropped {
  hub: string;
  feed: string;
  reason: string;
}

export interface PublishReport {
  /** Pings a hub accepted (2xx). */
  sent: number;
  dropped: Dropped[];
}

/** A hub that dropped this many pings in a row, with no success between, is skipped for the rest of the run. */
const CONSECUTIVE_DROPS = 2;

/** Waits `ms`, or less when `signal` aborts. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** One POST to a hub: undefined when it took the ping, else why not. */
async function ping(
  hub: string,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const limit = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(hub, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }).toString(),
      signal: signal ? AbortSignal.any([signal, limit]) : limit,
      redirect: 'manual',
    });
    await res.body?.cancel();
    return res.ok ? undefined : `it answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  } catch (e) {
    if (limit.aborted) return `no answer within ${timeoutMs / 1000} s`;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? (e as Error).message;
  }
}

/** Pings every hub for every self URL of `feeds` (topic slugs and ALL). */
export async function publish(feeds: Iterable<string>, options: PublisherOptions): Promise<PublishReport> {
  // The caller's signal gets one listener per run; each ping in flight listens to this run's own signal.
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  const stop = () => run.abort();
  if (options.signal?.aborted) run.abort();
  options.signal?.addEventListener('abort', stop, { once: true });
  const signal = run.signal;
  try {
    return await publishAll(feeds, { ...options, signal });
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}

async function publishAll(
  feeds: Iterable<string>,
  options: PublisherOptions & { signal: AbortSignal },
): Promise<PublishReport> {
  const { hubs, baseUrl, log, signal } = options;
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 5000;
  const backoffMs = options.backoffMs ?? 500;
  const concurrency = options.concurrency ?? 8;
  const urls = [...new Set(feeds)].sort().flatMap((feed) => feedSelfUrls(baseUrl, feed));
  const report: PublishReport = { sent: 0, dropped: [] };

  const drop = (hub: string, feed: string, reason: string) => {
    report.dropped.push({ hub, feed, reason });
    log.warn(`WebSub hub ${hub} was not told that ${feed} changed (${reason}); ping dropped`, {
      hub,
      feed,
      reason,
    });
  };

  await Promise.all(
    hubs.map(async (hub) => {
      let dropsInRow = 0;
      let lastReason = '';
      const queue = [...urls];
      const worker = async () => {
        for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
          if (signal?.aborted) return;
          if (dropsInRow >= CONSECUTIVE_DROPS) {
            drop(
              hub,
              url,
              `not tried: the hub failed ${CONSECUTIVE_DROPS} pings in a row just before (${lastReason})`,
            );
            continue;
          }
          let reason: string | undefined;
          let tried = 0;
          for (let attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
              const backoff = backoffMs * 2 ** (attempt - 2);
              await sleep(backoff / 2 + Math.random() * (backoff / 2), signal);
            }
            if (signal?.aborted) return;
            reason = await ping(hub, url, timeoutMs, signal);
            tried++;
            if (reason === undefined || dropsInRow >= CONSECUTIVE_DROPS) break;
          }
          if (signal?.aborted) return;
          if (reason === undefined) {
            report.sent++;
            dropsInRow = 0;
          } else {
            dropsInRow++;
            lastReason = reason;
            drop(hub, url, `${reason}; ${tried} ${tried === 1 ? 'attempt' : 'attempts'}`);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
    }),
  );
  log.info('WebSub hubs pinged', {
    feeds: urls.length,
    hubs: hubs.length,
    sent: report.sent,
    dropped: report.dropped.length,
  });
  return report;
}
