/**
 * The load generator of rows 3 and 4: autocannon in its own process, sharing no event loop with the servers
 * it loads (it shares the cores: hence the rows' ratio per CPU-second of each server).
 */
import { createRequire } from 'node:module';
import { runToEnd } from '../../lib/procs.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** The status every answer must have (200, 304); a run with others fails. */
  status: number;
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  [status: string]: unknown;
}

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
export const LOAD_NOTE = 'load: autocannon in its own process';

/** One run: requests per second, latency quantiles (ms) and the requests made. */
export async function loadRun(o: LoadOptions) {
  const args = [AUTOCANNON, '-c', String(o.connections), '-d', String(o.seconds), '-j', '-n'];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}=${v}`);
  const r = JSON.parse(await runToEnd(process.execPath, [...args, o.url])) as AutocannonJson;
  const klass = `${Math.floor(o.status / 100)}xx`;
  const good = Number(r[klass] ?? 0);
  const total = Number(r.requests.total);
  if (r.errors > 0 || r.timeouts > 0 || good < total)
    throw new Error(`${o.url}: ${total - good} answers other than ${klass}, ${r.errors} errors under load`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: total };
}
