/**
 * Load on the local stack's feeds, from this process (the stack runs in another): autocannon with a mix of
 * requests as readers and crawlers send them, each kind with the status it must get, while the stack's
 * resident memory is sampled every second.
 */
import autocannon from 'autocannon';
import { prng } from '../bench/corpus.js';
import { median, rssMb } from './processes.js';

export interface LoadOptions {
  baseUrl: string;
  /** The stack's process, whose memory is sampled. */
  pid: number;
  connections: number;
  durationS: number;
  /**
   * The same load before the measured run, not measured: at least `warmupS` seconds, then until the process
   * has reached its working size (resident memory settled), at most `warmupMaxS` seconds.
   */
  warmupS: number;
  warmupMaxS?: number;
  seed?: number;
  /** Only these kinds of request (all when absent), to find which one a problem comes with. */
  kinds?: string[];
  /** The stack's JS heap in use right after a full garbage collection (MB), when it can tell. */
  heapAfterGc?: () => Promise<number | undefined>;
}

interface Planned {
  kind: string;
  path: string;
  headers: Record<string, string>;
  expect: number;
}

export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  statuses: Record<string, number>;
  status5xx: number;
  /** Connection errors (resets, refused) and timeouts, as autocannon counts them. */
  errors: number;
  timeouts: number;
  /** Requests of each kind, and those that got another status than their kind must. */
  kinds: Record<string, { sent: number; unexpected: number; expect: number; got: Record<string, number> }>;
  rssMb: number[];
  rssFirst10sMb: number;
  rssLast10sMb: number;
  /** The URLs primed before the run (every topic feed once: the render cache warm, ETags known). */
  primed: number;
  /** JS heap in use after a full GC, before the warm-up and after the measured run (MB), when the stack exposes GC. */
  heapAfterGcMb?: [number, number];
  /**
   * The warm-up run: its length, whether resident memory settled in it, requests, failures, and the resident
   * memory before and after it.
   */
  warmup: {
    seconds: number;
    settled: boolean;
    requests: number;
    status5xx: number;
    errors: number;
    unexpected: number;
    rssMb: number[];
  };
}

interface TopicListing {
  topics: { slug: string; count: number; feeds: Record<string, string> }[];
}

const ENCODINGS = ['gzip, deflate, br', 'gzip', '', 'br'];
const FILES = ['rss.xml', 'atom.xml', 'feed.json'];

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const base = options.baseUrl.replace(/\/$/, '');
  const rng = prng(options.seed ?? 20210314);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;

  const listing = (await (await fetch(`${base}/topics.json`)).json()) as TopicListing;
  const topics = listing.topics.map((t) => t.slug).sort();
  if (topics.length < 3) throw new Error(`the stack has ${topics.length} topics; load needs a corpus`);
  // Popular topics are asked for more (Zipf over the topics by article count).
  const byCount = [...listing.topics].sort((a, b) => b.count - a.count).map((t) => t.slug);
  const weights = byCount.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const popular = () => {
    let r = rng() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r <= 0) return byCount[i] as string;
    }
    return byCount[0] as string;
  };
  const cased = topics.filter((t) => t.toUpperCase() !== t);
  const enc = (e = pick(ENCODINGS)): Record<string, string> => (e ? { 'accept-encoding': e } : {});
  const topicFeed = (slug: string, file = pick(FILES)) => `/topics/${encodeURIComponent(slug)}/${file}`;

  // Prime: every topic's feeds once (the render cache warm, as in steady state) and the ETags to revalidate.
  const etags: { path: string; etag: string }[] = [];
  const cursors: string[] = [];
  const primePaths = [
    ...topics.flatMap((s) => FILES.map((f) => topicFeed(s, f))),
    ...FILES.map((f) => `/${f}`),
  ];
  for (let i = 0; i < primePaths.length; i += 16) {
    await Promise.all(
      primePaths.slice(i, i + 16).map(async (p) => {
        const res = await fetch(`${base}${p}`, { headers: { 'accept-encoding': 'gzip' } });
        const etag = res.headers.get('etag');
        const body = await res.text();
        if (res.status === 200 && etag) etags.push({ path: p, etag });
        const next = /[?&](?:amp;)?cursor=([A-Za-z0-9_.-]+)/.exec(body)?.[1];
        if (next && p.endsWith('feed.json')) cursors.push(`${p}?cursor=${next}`);
      }),
    );
  }

  const plan: [number, () => Planned][] = [
    [30, () => ({ kind: 'topic feed', path: topicFeed(popular()), headers: enc(), expect: 200 })],
    [12, () => ({ kind: 'all articles', path: `/${pick(FILES)}`, headers: enc(), expect: 200 })],
    [
      8,
      () => {
        const slugs = [...new Set([popular(), popular(), pick(topics)])].sort();
        const path = `/topics/${slugs.map(encodeURIComponent).join(',')}/${pick(FILES)}`;
        return { kind: 'merged topics', path, headers: enc(), expect: 200 };
      },
    ],
    [
      20,
      () => {
        const { path, etag } = pick(etags);
        return {
          kind: 'conditional (ETag)',
          path,
          headers: { ...enc('gzip'), 'if-none-match': etag },
          expect: 304,
        };
      },
    ],
    [5, () => ({ kind: 'next page', path: pick(cursors), headers: enc(), expect: 200 })],
    [
      5,
      () => ({
        kind: 'HTML page',
        path: rng() < 0.3 ? '/' : `/topics/${encodeURIComponent(popular())}`,
        headers: enc(),
        expect: 200,
      }),
    ],
    [
      2,
      () => ({ kind: 'listing', path: pick(['/topics.json', '/feeds.opml']), headers: enc(), expect: 200 }),
    ],
    [
      8,
      () => ({
        kind: 'unknown topic',
        path: `/topics/no-such-topic-${Math.floor(rng() * 1e6)}/${pick(FILES)}`,
        headers: enc(),
        expect: 404,
      }),
    ],
    [
      6,
      () => ({
        kind: 'bad parameter',
        path: `${topicFeed(popular())}?${pick(['limit=0', 'limit=abc', 'limit=100000', 'cursor=forged.AAAA', 'cursor='])}`,
        headers: enc(),
        expect: 400,
      }),
    ],
    [
      4,
      () => ({
        kind: 'non-canonical URL',
        path: topicFeed(pick(cased).toUpperCase()),
        headers: enc(),
        expect: 301,
      }),
    ],
  ];
  if (options.kinds) {
    const wanted = new Set(options.kinds);
    for (let i = plan.length - 1; i >= 0; i--) {
      const [, make] = plan[i] as [number, () => Planned];
      if (!wanted.has(make().kind)) plan.splice(i, 1);
    }
    if (plan.length === 0) throw new Error(`no request kind among ${options.kinds.join(', ')}`);
  }
  const planTotal = plan.reduce((n, [w]) => n + w, 0);
  const next = (): Planned => {
    let r = rng() * planTotal;
    for (const [w, make] of plan) {
      r -= w;
      if (r <= 0) return make();
    }
    return (plan[0] as [number, () => Planned])[1]();
  };

  /** One autocannon run of the mix; every response's status is tallied by kind. */
  const fire = (durationS: number, kinds: LoadResult['kinds']) =>
    autocannon({
      url: base,
      connections: options.connections,
      duration: durationS,
      timeout: 10,
      requests: [
        {
          setupRequest: (req, context) => {
            const p = next();
            context.planned = p;
            return { ...req, method: 'GET', path: p.path, headers: { ...p.headers } };
          },
          onResponse: (status, _body, context) => {
            const p = context.planned as Planned;
            kinds[p.kind] ??= { sent: 0, unexpected: 0, expect: p.expect, got: {} };
            const k = kinds[p.kind] as LoadResult['kinds'][string];
            k.sent++;
            k.got[status] = (k.got[status] ?? 0) + 1;
            if (status !== p.expect) k.unexpected++;
          },
        },
      ],
    });

  // The live JS heap before the warm-up: a full GC right before the measured run would shrink the heap and
  // make its regrowth to the working size look like growth.
  const heapBefore = await options.heapAfterGc?.();
  const warmupKinds: LoadResult['kinds'] = {};
  const warmup = await warmUp(options, (s) => fire(s, warmupKinds));

  const kinds: LoadResult['kinds'] = {};
  const samples: number[] = [];
  const sample = () => {
    const mb = rssMb(options.pid);
    if (mb !== undefined) samples.push(mb);
  };
  sample();
  const sampler = setInterval(sample, 1000);
  let result: Awaited<ReturnType<typeof autocannon>>;
  try {
    result = await fire(options.durationS, kinds);
  } finally {
    clearInterval(sampler);
  }
  const heapAfter = await options.heapAfterGc?.();
  // One sample a second from the start: the first ten, and the last ten of the run.
  const run = samples.slice(0, options.durationS + 1);
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([s, v]) => [s, Number(v.count)]),
  );
  return {
    connections: options.connections,
    durationS: options.durationS,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    statuses,
    status5xx: result['5xx'],
    errors: result.errors,
    timeouts: result.timeouts,
    kinds,
    rssMb: run.map((x) => Math.round(x * 10) / 10),
    rssFirst10sMb: Math.round(median(run.slice(0, 10)) * 10) / 10,
    rssLast10sMb: Math.round(median(run.slice(-10)) * 10) / 10,
    primed: primePaths.length,
    heapAfterGcMb: heapBefore !== undefined && heapAfter !== undefined ? [heapBefore, heapAfter] : undefined,
    warmup: {
      seconds: warmup.seconds,
      settled: warmup.settled,
      requests: warmup.result?.requests.total ?? 0,
      status5xx: warmup.result?.['5xx'] ?? 0,
      errors: warmup.result?.errors ?? 0,
      unexpected: Object.values(warmupKinds).reduce((n, k) => n + k.unexpected, 0),
      rssMb: warmup.rssMb.map((x) => Math.round(x * 10) / 10),
    },
  };
}

/**
 * Resident memory has settled when the highest sample of the last 15 s is no more than this above the highest
 * of the 15 s before: a process still growing sets new highs, one at its working size only wobbles (the
 * garbage collectors make it swing by several per cent either way, so medians of short windows mislead).
 */
const SETTLED = 0.01;
const SETTLE_WINDOW_S = 15;

/**
 * The warm-up: the load runs while resident memory is sampled every second, and stops once it has settled
 * (after `warmupS` at least, and two windows to compare) or after `warmupMaxS`. A process that leaks never
 * settles: it is then measured after the longest warm-up, and its growth shows in the measured run.
 */
async function warmUp(
  options: LoadOptions,
  fire: (seconds: number) => ReturnType<typeof autocannon>,
): Promise<{
  seconds: number;
  settled: boolean;
  rssMb: number[];
  result?: Awaited<ReturnType<typeof autocannon>>;
}> {
  const start = rssMb(options.pid) ?? Number.NaN;
  if (options.warmupS <= 0) return { seconds: 0, settled: false, rssMb: [start, start] };
  const maxS = Math.max(options.warmupS, options.warmupMaxS ?? options.warmupS);
  const minS = Math.min(maxS, Math.max(options.warmupS, 2 * SETTLE_WINDOW_S));
  const started = Date.now();
  const run = fire(maxS);
  const samples: number[] = [];
  let settled = false;
  const timer = setInterval(() => {
    const mb = rssMb(options.pid);
    if (mb !== undefined) samples.push(mb);
    if (samples.length < minS || settled) return;
    const last = Math.max(...samples.slice(-SETTLE_WINDOW_S));
    const before = Math.max(...samples.slice(-2 * SETTLE_WINDOW_S, -SETTLE_WINDOW_S));
    if (last <= before * (1 + SETTLED)) {
      settled = true;
      run.stop();
    }
  }, 1000);
  try {
    const result = await run;
    return {
      seconds: Math.round((Date.now() - started) / 1000),
      settled,
      rssMb: [start, rssMb(options.pid) ?? Number.NaN],
      result,
    };
  } finally {
    clearInterval(timer);
  }
}
