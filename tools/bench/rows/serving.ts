/**
 * Rows 3 and 4: a warm 50-item topic feed, and the 304 answer to a conditional request for it, served over
 * HTTP by the local stack (the real feeds handler behind the Function URL adapter), beside a plain Node
 * `http` server and nginx serving the identical bytes (body and headers captured from the stack) from memory.
 * Every server and the load generator run in their own processes; runs alternate between the servers.
 * The feed is requested gzip-encoded, as feed readers ask for it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { topicSlug } from '../../../shared/article/slug.js';
import { generateCorpus } from '../../lib/corpus.js';
import { beside, type Child, cpuMsOf, startTs } from '../../lib/procs.js';
import { startStack } from '../../lib/stack.js';
import { median } from '../../lib/stats.js';
import { findLoadGenerator, type LoadGenerator, type LoadResult } from '../lib/load.js';
import { findNginx, NGINX_HINT, startNginx } from '../lib/nginx.js';
import {
  type BenchContext,
  compare,
  type Figure,
  type Measure,
  measure,
  type RowReport,
} from '../lib/report.js';
import type { Fixture } from '../servers/plain.js';

const CONNECTIONS = 50;
/** Corpus files in the stack: enough for the most popular topic to fill a 50-item page. */
const SEED_FILES = 200;
const ACCEPT = { 'accept-encoding': 'gzip' };

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request without any client magic (fetch would add and undo its own content coding). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The most popular topic of the seeded corpus (its page is full). */
function topTopic(count: number, seed: number): string {
  const freq = new Map<string, number>();
  for (const f of generateCorpus({ count, seed })) {
    const section = /\ntopics:\n((?: {2}- .*\n)+)/.exec(f.frontMatter)?.[1] ?? '';
    for (const line of section.split('\n')) {
      const name = line.replace(/^ {2}- /, '').replace(/^"(.*)"$/, '$1');
      if (name) freq.set(topicSlug(name), (freq.get(topicSlug(name)) ?? 0) + 1);
    }
  }
  return [...freq].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'election';
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  status: number;
  /** The server's process, whose CPU time is read around each run. */
  pid: number;
}

interface Series {
  rps: number[];
  p50: number[];
  p99: number[];
  /** Requests per CPU-second of the server process (NaN without /proc). */
  capacity: number[];
}

async function loadRuns(
  gen: LoadGenerator,
  targets: Target[],
  runs: number,
  seconds: number,
  ctx: BenchContext,
  what: string,
): Promise<Map<string, Series>> {
  const out = new Map<string, Series>(
    targets.map((t) => [t.name, { rps: [], p50: [], p99: [], capacity: [] }]),
  );
  const once = (t: Target, s: number): Promise<LoadResult> =>
    gen.run({ url: t.url, headers: t.headers, connections: CONNECTIONS, seconds: s, expectStatus: t.status });
  for (const t of targets) await once(t, 1); // warm-up: JIT, caches, connections
  for (let r = 0; r < runs; r++) {
    for (const t of targets) {
      const cpuBefore = cpuMsOf(t.pid);
      const result = await once(t, seconds);
      const cpu = cpuMsOf(t.pid) - cpuBefore;
      const series = out.get(t.name) as Series;
      series.capacity.push(cpu > 0 ? result.requests / (cpu / 1000) : Number.NaN);
      series.rps.push(result.rps);
      series.p50.push(result.p50);
      series.p99.push(result.p99);
    }
    ctx.progress(`${what}: run ${r + 1}/${runs}`);
  }
  return out;
}

async function probe(t: Target): Promise<void> {
  const answer = await get(t.url, t.headers);
  if (answer.status !== t.status)
    throw new Error(`${t.name} answered ${answer.status}, not ${t.status}, to ${t.url}`);
}

export interface ServingResults {
  feed: RowReport;
  notModified: RowReport;
}

let memo: Promise<ServingResults> | undefined;

/** Rows 3 and 4 share their servers; whichever is asked first measures both. */
export const servingRows = (ctx: BenchContext) => {
  memo ??= measureServing(ctx);
  return memo;
};

async function measureServing(ctx: BenchContext): Promise<ServingResults> {
  const { generator, note: loadNote } = await findLoadGenerator();
  const runs = ctx.quick ? 1 : 3;
  const seconds = 1;
  const slug = topTopic(SEED_FILES, ctx.seed);
  const children: Child<unknown>[] = [];
  const stack = await startStack({ root: join(ctx.tmp, 'serving'), seedCount: SEED_FILES, seed: ctx.seed });
  try {
    const path = `/topics/${encodeURIComponent(slug)}/rss.xml`;
    const full = await get(`${stack.info.feeds}${path}`, ACCEPT);
    if (full.status !== 200) throw new Error(`the stack answered ${full.status} to ${path}`);
    const items =
      (full.headers['content-encoding'] === 'gzip'
        ? (await import('node:zlib')).gunzipSync(full.body)
        : full.body
      )
        .toString('utf8')
        .split('<item>').length - 1;
    const etag = full.headers.etag;
    if (!etag) throw new Error(`the stack's answer to ${path} has no ETag`);

    const keep = ['content-type', 'content-encoding', 'etag', 'last-modified', 'cache-control', 'vary'];
    const fixture: Fixture = {
      headers: Object.fromEntries(
        keep.filter((k) => full.headers[k]).map((k) => [k, full.headers[k] as string]),
      ),
      body: full.body.toString('base64'),
    };
    const dir = join(ctx.tmp, 'servers');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
    const plain = await startTs<{ url: string }>(
      beside(import.meta.url, '../servers/plain.ts'),
      [join(dir, 'fixture.json')],
      {
        timeoutMs: 30_000,
      },
    );
    children.push(plain);

    const nginxPath = await findNginx();
    let nginx: { url: string; etag: string; pid: number } | undefined;
    if (nginxPath) {
      const child = await startNginx(nginxPath, fixture, join(dir, 'nginx'));
      children.push(child);
      const answer = await get(child.info.url, ACCEPT);
      if (!answer.body.equals(full.body)) throw new Error('nginx does not serve the identical bytes');
      nginx = { url: child.info.url, etag: answer.headers.etag ?? '', pid: child.pid };
    }
    const plainAnswer = await get(plain.info.url, ACCEPT);
    if (!plainAnswer.body.equals(full.body))
      throw new Error('the plain server does not serve the identical bytes');

    const fullTargets: Target[] = [
      { name: 'ours', url: `${stack.info.feeds}${path}`, headers: ACCEPT, status: 200, pid: stack.pid },
      { name: 'node', url: plain.info.url, headers: ACCEPT, status: 200, pid: plain.pid },
      ...(nginx ? [{ name: 'nginx', url: nginx.url, headers: ACCEPT, status: 200, pid: nginx.pid }] : []),
    ];
    const cond = (t: Target, tag: string): Target => ({
      ...t,
      headers: { ...ACCEPT, 'if-none-match': tag },
      status: 304,
    });
    const condTargets: Target[] = [
      cond(fullTargets[0] as Target, etag),
      cond(fullTargets[1] as Target, etag),
      ...(nginx ? [cond(fullTargets[2] as Target, nginx.etag)] : []),
    ];
    for (const t of [...fullTargets, ...condTargets]) await probe(t);

    const fullSeries = await loadRuns(generator, fullTargets, runs, seconds, ctx, 'row 3');
    const condSeries = await loadRuns(generator, condTargets, runs, seconds, ctx, 'row 4');
    const bytes = `${(full.body.length / 1024).toFixed(1)} KB gzip, ${items} items`;
    const notes = [loadNote, `${CONNECTIONS} connections, ${runs} × ${seconds} s per server`];
    if (!nginx) notes.push(NGINX_HINT);
    return {
      feed: {
        row: 3,
        title: 'warm 50-item topic feed over HTTP',
        figures: figuresOf('3', `warm topic feed (${bytes})`, fullSeries, notes),
        data: {
          slug,
          bytes: full.body.length,
          items,
          loadGenerator: generator.name,
          series: toJson(fullSeries),
        },
      },
      notModified: {
        row: 4,
        title: '304 to a conditional request',
        figures: figuresOf('4', '304 Not Modified (If-None-Match)', condSeries, notes),
        data: { slug, loadGenerator: generator.name, series: toJson(condSeries) },
      },
    };
  } finally {
    for (const c of children) await c.stop();
    await stack.close();
  }
}

const toJson = (m: Map<string, Series>) => Object.fromEntries(m);

function figuresOf(row: string, label: string, series: Map<string, Series>, notes: string[]): Figure[] {
  const ours = series.get('ours') as Series;
  const node = series.get('node') as Series;
  const nginx = series.get('nginx');
  const m = (name: string, unit: 'req/s' | 'ms', runs: number[]): Measure => measure(name, unit, runs);
  const alsoNginx = (oursRuns: number[], nginxRuns: number[] | undefined, unit: 'req/s' | 'ms') =>
    nginxRuns ? [{ ...m('nginx', unit, nginxRuns), ratio: median(oursRuns) / median(nginxRuns) }] : [];
  const target = { on: 'ratio', op: '>=', limit: 0.75 } as const;
  // Requests per CPU-second of each server: what it serves with a core to itself. On a machine shared with
  // other work, wall-clock req/s swing with that work; CPU per request does not. Wall clock where /proc is absent.
  const measured = ours.capacity.every(Number.isFinite) && node.capacity.every(Number.isFinite);
  const capacity = measured
    ? compare(
        `${row}a`,
        `${label}: req/s per CPU-second of the server`,
        m('ours', 'req/s', ours.capacity),
        m('plain Node', 'req/s', node.capacity),
        target,
      )
    : undefined;
  if (capacity) {
    capacity.also = nginx?.capacity.every(Number.isFinite)
      ? alsoNginx(ours.capacity, nginx.capacity, 'req/s')
      : [];
    capacity.note = notes.join('; ');
  }
  const rps = compare(
    `${row}${capacity ? 'b' : 'a'}`,
    `${label}: req/s, wall clock`,
    m('ours', 'req/s', ours.rps),
    m('plain Node', 'req/s', node.rps),
    capacity ? undefined : target,
    capacity ? 'the load generator shares the 2 cores' : notes.join('; '),
  );
  rps.also = alsoNginx(ours.rps, nginx?.rps, 'req/s');
  const next = capacity ? ['c', 'd'] : ['b', 'c'];
  const p50 = compare(
    `${row}${next[0]}`,
    `${label}: p50`,
    m('ours', 'ms', ours.p50),
    m('plain Node', 'ms', node.p50),
  );
  p50.also = alsoNginx(ours.p50, nginx?.p50, 'ms');
  const p99 = compare(
    `${row}${next[1]}`,
    `${label}: p99`,
    m('ours', 'ms', ours.p99),
    m('plain Node', 'ms', node.p99),
  );
  p99.also = alsoNginx(ours.p99, nginx?.p99, 'ms');
  return [...(capacity ? [capacity] : []), rps, p50, p99];
}
