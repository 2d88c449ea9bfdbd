/**
 * The load check: the mix of load-mix.ts by autocannon against the local stack in a child process, measured
 * once its resident memory has settled (what it requires: docs/RELIABILITY.md).
 */
import autocannon from 'autocannon';
import { rssMb } from '../lib/procs.js';
import { startStack } from '../lib/stack.js';
import { mapLimit, median } from '../lib/stats.js';
import { fmt, type Options, type Outcome, verdictOf } from './check.js';
import { FILES, type Planned, type Primed, requestMix, topicFeed } from './load-mix.js';

type Kinds = Record<
  string,
  { sent: number; unexpected: number; expect: number; got: Record<number, number> }
>;

/** Resident memory may grow this much from the first to the last 10 s of the load and still count as flat. */
const FLAT_GROWTH = 0.1;
/**
 * Resident memory has settled when the highest sample of the last 15 s is no more than 1 % above the highest
 * of the 15 s before: a process still growing sets new highs, one at its working size only wobbles (the
 * garbage collectors make it swing by several per cent either way, so medians of short windows mislead).
 */
const SETTLED = 0.01;
const SETTLE_WINDOW_S = 15;
const tenth = (x: number) => Math.round(x * 10) / 10;

/** Every topic's feeds once: the render cache warm, as in steady state, and the ETags and next pages. */
async function prime(base: string): Promise<Primed & { requests: number }> {
  const listing = (await (await fetch(`${base}/topics.json`)).json()) as Primed;
  if (listing.topics.length < 3)
    throw new Error(`the stack has ${listing.topics.length} topics; load needs a corpus`);
  const primed: Primed = { topics: listing.topics, etags: [], cursors: [] };
  const slugs = listing.topics.map((t) => t.slug).sort();
  const paths = [...slugs.flatMap((s) => FILES.map((f) => topicFeed(s, f))), ...FILES.map((f) => `/${f}`)];
  await mapLimit(paths, 16, async (p) => {
    const res = await fetch(`${base}${p}`, { headers: { 'accept-encoding': 'gzip' } });
    const etag = res.headers.get('etag');
    const next = /[?&](?:amp;)?cursor=([A-Za-z0-9_.-]+)/.exec(await res.text())?.[1];
    if (res.status === 200 && etag) primed.etags.push({ path: p, etag });
    if (next && p.endsWith('feed.json')) primed.cursors.push(`${p}?cursor=${next}`);
  });
  return { ...primed, requests: paths.length };
}

export async function loadCheck(root: string, o: Options): Promise<Outcome> {
  const connections = Number(o.connections);
  const durationS = Number(o.duration);
  // GC exposed so the stack can report its live JS heap (a leak in our code shows there; RSS also has dynalite's).
  const stack = await startStack({ root, seedCount: Number(o.corpus), gc: true });
  try {
    const { pid, feeds: base } = stack.info;
    const heapAfterGc = async () => {
      const reply = stack.next<{ gc: boolean; heapUsed: number }>('memory');
      stack.process.kill('SIGUSR2');
      const m = await Promise.race([reply, new Promise<undefined>((r) => setTimeout(r, 5000, undefined))]);
      return m?.gc ? m.heapUsed : undefined;
    };
    const primed = await prime(base);
    const next = requestMix(primed, 20210314, typeof o.kinds === 'string' ? o.kinds.split(',') : undefined);
    /**
     * The mix for `seconds`, every response's status tallied by kind, the stack's resident memory sampled
     * every second from the start; `settleAfter`: stop once it has settled, after that many seconds at least.
     */
    const fire = async (seconds: number, settleAfter?: number) => {
      const kinds: Kinds = {};
      const samples: number[] = [];
      const sample = () => {
        const mb = rssMb(pid);
        if (mb !== undefined) samples.push(mb);
      };
      sample();
      let settled = false;
      const run = autocannon({
        url: base,
        connections,
        duration: seconds,
        timeout: 10,
        requests: [
          {
            setupRequest: (req, context) => {
              const p = next();
              (context as { planned?: Planned }).planned = p;
              return { ...req, method: 'GET', path: p.path, headers: { ...p.headers } };
            },
            onResponse: (status, _body, context) => {
              const p = (context as { planned: Planned }).planned;
              kinds[p.kind] ??= { sent: 0, unexpected: 0, expect: p.expect, got: {} };
              const k = kinds[p.kind] as Kinds[string];
              k.sent++;
              k.got[status] = (k.got[status] ?? 0) + 1;
              if (status !== p.expect) k.unexpected++;
            },
          },
        ],
      });
      const timer = setInterval(() => {
        sample();
        if (settleAfter === undefined || samples.length <= settleAfter || settled) return;
        const last = Math.max(...samples.slice(-SETTLE_WINDOW_S));
        const before = Math.max(...samples.slice(-2 * SETTLE_WINDOW_S, -SETTLE_WINDOW_S));
        if (last <= before * (1 + SETTLED)) {
          settled = true;
          (run as typeof run & { stop(): void }).stop(); // autocannon's promise can stop its run
        }
      }, 1000);
      try {
        return { result: await run, kinds, samples, settled };
      } finally {
        clearInterval(timer);
      }
    };

    // The live JS heap before the warm-up: a full GC right before the measured run would shrink the heap and
    // make its regrowth to the working size look like growth.
    const heapBefore = await heapAfterGc();
    // The warm-up: the load runs until resident memory has settled (after --warmup s at least, and two windows
    // to compare) or for --warmup-max s. A process that leaks never settles: it is then measured after the
    // longest warm-up, and its growth shows in the measured run.
    const [warmupS, start, started] = [Number(o.warmup), tenth(rssMb(pid) ?? Number.NaN), Date.now()];
    const maxS = Math.max(warmupS, Number(o['warmup-max']));
    const warm =
      warmupS > 0 ? await fire(maxS, Math.min(maxS, Math.max(warmupS, 2 * SETTLE_WINDOW_S))) : undefined;
    const w = {
      seconds: Math.round((Date.now() - started) / 1000),
      settled: warm?.settled ?? false,
      rssMb: [start, warm ? tenth(rssMb(pid) ?? Number.NaN) : start],
      requests: warm?.result.requests.total ?? 0,
      status5xx: warm?.result['5xx'] ?? 0,
      errors: warm?.result.errors ?? 0,
      unexpected: Object.values(warm?.kinds ?? {}).reduce((n, k) => n + k.unexpected, 0),
    };
    const { result: r, kinds, samples } = await fire(durationS);
    const heapAfter = await heapAfterGc();
    // One sample a second from the start: the first ten, and the last ten of the run.
    const run = samples.slice(0, durationS + 1).map(tenth);
    const [first, last] = [median(run.slice(0, 10)), median(run.slice(-10))].map(tenth) as [number, number];
    const requestsPerSecond = Math.round(r.requests.average);
    const result = {
      ...{ connections, durationS, requests: r.requests.total, requestsPerSecond },
      ...{ latencyP50Ms: r.latency.p50, latencyP99Ms: r.latency.p99, status5xx: r['5xx'], errors: r.errors },
      timeouts: r.timeouts,
      statuses: Object.fromEntries(
        Object.entries(r.statusCodeStats ?? {}).map(([s, v]) => [s, Number(v.count)]),
      ),
      ...{ kinds, rssMb: run, rssFirst10sMb: first, rssLast10sMb: last, primed: primed.requests, warmup: w },
      heapAfterGcMb:
        heapBefore !== undefined && heapAfter !== undefined ? [heapBefore, heapAfter] : undefined,
    };

    const notes: string[] = [];
    const unexpected = Object.entries(kinds).filter(([, k]) => k.unexpected > 0);
    for (const [kind, k] of unexpected)
      notes.push(`${kind}: ${k.unexpected} of ${k.sent} did not get ${k.expect} (${JSON.stringify(k.got)}).`);
    const growth = last / first - 1;
    if (growth > FLAT_GROWTH)
      notes.push(
        `Resident memory grew ${Math.round(growth * 100)} % (flat means at most ${FLAT_GROWTH * 100} %).`,
      );
    const warmupOk = !w.status5xx && !w.errors && !w.unexpected;
    if (!warmupOk)
      notes.push(
        `Warm-up: ${w.status5xx} 5xx, ${w.errors} connection errors or timeouts, ${w.unexpected} unexpected statuses.`,
      );
    const ok =
      warmupOk && !r['5xx'] && !r.errors && !r.timeouts && !unexpected.length && growth <= FLAT_GROWTH;
    const mix = Object.entries(kinds).map(
      ([k, v]) => `${k} ${fmt(v.sent)} (${v.expect}${v.unexpected ? `, ${v.unexpected} other` : ''})`,
    );
    const lines = [
      `- **Load held**: ${connections} connections for ${durationS} s against the local stack (another process) holding ${stack.info.files} articles ` +
        `(uploaded and ingested in ${(stack.info.loadMs / 1000).toFixed(1)} s): ${fmt(r.requests.total)} requests (${fmt(result.requestsPerSecond)}/s, ` +
        `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms), **${fmt(r['5xx'])} 5xx, ${fmt(r.errors - r.timeouts)} connection errors, ${fmt(r.timeouts)} timeouts** (no answer within 10 s).`,
      `  - Mix (status each must get): ${mix.join('; ')}.`,
      `  - Resident memory of the stack process (median): **first 10 s ${first} MB, last 10 s ${last} MB** (${growth >= 0 ? '+' : ''}${Math.round(growth * 100)} %); ` +
        `every second: ${run.map(Math.round).join(', ')}.` +
        (result.heapAfterGcMb
          ? ` JS heap in use after a full GC: ${heapBefore} MB before the warm-up, ${heapAfter} MB after the run.`
          : ''),
      `  - Before it, every topic's feeds were requested once (${primed.requests} requests), then the same load ran ${w.seconds} s unmeasured ` +
        `(${w.requests} requests; resident memory ${w.rssMb.join(' -> ')} MB), ${w.settled ? 'until resident memory had settled (no new high: the highest of the last 15 s at most 1 % above the highest of the 15 s before)' : `and resident memory had not settled by then (at most ${o['warmup-max']} s)`}.`,
    ];
    return { verdict: verdictOf(ok), notes, lines, result };
  } finally {
    await stack.close();
  }
}
