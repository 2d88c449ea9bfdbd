/**
 * Rows 3 and 4: a warm topic feed and its 304 over the stack's HTTP server, beside plain Node and nginx
 * serving the identical bytes, each in its own process (the method: docs/PERFORMANCE.md, "How each row is
 * measured").
 */

import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { beside, type Child, cpuMsOf, startTs } from '../../lib/procs.js';
import { startStack } from '../../lib/stack.js';
import { median } from '../../lib/stats.js';
import { LOAD_NOTE, loadRun } from '../lib/load.js';
import { findNginx, NGINX_HINT, startNginx } from '../lib/nginx.js';
import {
  type BenchContext,
  compare,
  type Figure,
  measure,
  measuredOnce,
  type RowResult,
  type Unit,
} from '../lib/report.js';
import { baseEntries, mostPopular } from '../lib/seed-table.js';
import type { Fixture } from '../servers/plain.js';

const CONNECTIONS = 50;
/** Corpus files in the stack: enough for the most popular topic to fill a 50-item page. */
const SEED_FILES = 200;
const ACCEPT = { 'accept-encoding': 'gzip' };

/** One request without any client magic (fetch would add and undo its own content coding). */
async function get(url: string, headers: Record<string, string> = {}) {
  const [res] = (await once(request(url, { headers }).end(), 'response')) as [IncomingMessage];
  const strings = Object.entries(res.headers).filter((e): e is [string, string] => typeof e[1] === 'string');
  return { status: res.statusCode ?? 0, headers: Object.fromEntries(strings), body: await buffer(res) };
}

/** A server under load: its URL and headers, the status it must answer, its process (for its CPU time). */
interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  status: number;
  pid: number;
}
/** Per run: wall-clock req/s, latency quantiles, and requests per CPU-second of the server (NaN without /proc). */
const SERIES = ['rps', 'p50', 'p99', 'capacity'] as const;
type Series = Record<(typeof SERIES)[number], number[]>;

/** Rows 3 and 4 share their servers; whichever is asked first measures both. */
export const servingRows = measuredOnce(measureServing);

async function measureServing(ctx: BenchContext): Promise<Record<'feed' | 'notModified', RowResult>> {
  const runs = ctx.quick ? 1 : 3;
  const slug = mostPopular(baseEntries(SEED_FILES, ctx.seed));
  const children: Child<unknown>[] = [];
  const stack = await startStack({ root: join(ctx.tmp, 'serving'), seedCount: SEED_FILES, seed: ctx.seed });
  try {
    const url = `${stack.info.feeds}/topics/${encodeURIComponent(slug)}/rss.xml`;
    const full = await get(url, ACCEPT);
    const etag = full.headers.etag;
    if (full.status !== 200 || !etag)
      throw new Error(`the stack answered ${full.status} without an ETag to ${url}`);
    const xml = full.headers['content-encoding'] === 'gzip' ? gunzipSync(full.body) : full.body;
    const items = xml.toString('utf8').split('<item>').length - 1;

    // Every header of the answer but the connection's own (and the length, which plain.ts sets).
    const skip = new Set(['date', 'connection', 'keep-alive', 'content-length']);
    const headers = Object.fromEntries(Object.entries(full.headers).filter(([k]) => !skip.has(k)));
    const fixture: Fixture = { headers, body: full.body.toString('base64') };
    const dir = join(ctx.tmp, 'servers');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
    const plainServer = beside(import.meta.url, '../servers/plain.ts');
    const plain = await startTs<{ url: string }>(plainServer, [join(dir, 'fixture.json')], {
      timeoutMs: 30_000,
    });
    children.push(plain);
    const targets: Target[] = [
      { name: 'ours', url, headers: ACCEPT, status: 200, pid: stack.pid },
      { name: 'node', url: plain.info.url, headers: ACCEPT, status: 200, pid: plain.pid },
    ];
    const etags = [etag, etag];
    const nginxPath = findNginx();
    if (nginxPath) {
      const nginx = await startNginx(nginxPath, fixture, join(dir, 'nginx'));
      children.push(nginx);
      targets.push({ name: 'nginx', url: nginx.info.url, headers: ACCEPT, status: 200, pid: nginx.pid });
      etags.push((await get(nginx.info.url, ACCEPT)).headers.etag ?? '');
    }
    const conditional = targets.map((t, i) => ({
      ...t,
      headers: { ...ACCEPT, 'if-none-match': etags[i] as string },
      status: 304,
    }));
    for (const t of [...targets, ...conditional]) {
      const answer = await get(t.url, t.headers);
      if (answer.status !== t.status)
        throw new Error(`${t.name} answered ${answer.status}, not ${t.status}, to ${t.url}`);
      if (t.status === 200 && !answer.body.equals(full.body))
        throw new Error(`${t.name} does not serve the identical bytes`);
    }

    const loadRuns = async (list: Target[], what: string) => {
      const out = new Map<string, Series>(
        list.map((t) => [t.name, { rps: [], p50: [], p99: [], capacity: [] }]),
      );
      const once = (t: Target) => loadRun({ ...t, connections: CONNECTIONS, seconds: 1 });
      for (const t of list) await once(t); // warm-up: JIT, caches, connections
      for (let r = 0; r < runs; r++) {
        for (const t of list) {
          const cpuBefore = cpuMsOf(t.pid);
          const result = await once(t);
          const cpu = cpuMsOf(t.pid) - cpuBefore;
          const measured = { ...result, capacity: cpu > 0 ? result.requests / (cpu / 1000) : Number.NaN };
          const series = out.get(t.name) as Series;
          for (const key of SERIES) series[key].push(measured[key]);
        }
        ctx.progress(`${what}: run ${r + 1}/${runs}`);
      }
      return out;
    };
    const fullSeries = await loadRuns(targets, 'row 3');
    const condSeries = await loadRuns(conditional, 'row 4');
    const notes = [
      LOAD_NOTE,
      `${CONNECTIONS} connections, ${runs} × 1 s per server`,
      ...(nginxPath ? [] : [NGINX_HINT]),
    ];
    const data = { slug, loadGenerator: 'autocannon' };
    const label = `warm topic feed (${(full.body.length / 1024).toFixed(1)} KB gzip, ${items} items)`;
    return {
      feed: {
        figures: figuresOf('3', label, fullSeries, notes),
        data: { ...data, bytes: full.body.length, items, series: Object.fromEntries(fullSeries) },
      },
      notModified: {
        figures: figuresOf('4', '304 Not Modified (If-None-Match)', condSeries, notes),
        data: { ...data, series: Object.fromEntries(condSeries) },
      },
    };
  } finally {
    for (const c of children) await c.stop();
    await stack.close();
  }
}

/**
 * The ratio is taken from requests per CPU-second of each server: what it serves with a core to itself. On a
 * machine shared with other work, wall-clock req/s swing with that work; CPU per request does not.
 */
function figuresOf(row: string, label: string, series: Map<string, Series>, notes: string[]): Figure[] {
  const [ours, node, nginx] = ['ours', 'node', 'nginx'].map((n) => series.get(n));
  const figure = (letter: string, what: string, key: keyof Series, unit: Unit, note?: string) => {
    const oursRuns = (ours as Series)[key];
    const target = key === 'capacity' ? ({ on: 'ratio', op: '>=', limit: 0.75 } as const) : undefined;
    const f = compare(
      `${row}${letter}`,
      `${label}: ${what}`,
      measure('ours', unit, oursRuns),
      measure('plain Node', unit, (node as Series)[key]),
      target,
      note,
    );
    const nginxRuns = nginx?.[key].every(Number.isFinite) ? nginx[key] : undefined;
    f.also = nginxRuns
      ? [{ ...measure('nginx', unit, nginxRuns), ratio: median(oursRuns) / median(nginxRuns) }]
      : [];
    return f;
  };
  return [
    figure('a', 'req/s per CPU-second of the server', 'capacity', 'req/s', notes.join('; ')),
    figure('b', 'req/s, wall clock', 'rps', 'req/s', 'the load generator shares the 2 cores'),
    figure('c', 'p50', 'p50', 'ms'),
    figure('d', 'p99', 'p99', 'ms'),
  ];
}
