/**
 * HTTP load generators, each run as its own process: wrk when it is installed (Debian: `apt-get install wrk`),
 * else autocannon (a dev dependency). wrk is written in C and needs less of the shared CPU to saturate a
 * server, so its ratios are closer to the servers' own; autocannon's are compressed towards 1 when the server
 * is faster than the generator.
 */
import { createRequire } from 'node:module';
import { runToEnd, which } from '../../lib/procs.js';

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** The status every answer must have (200, 304); a run with others fails. */
  expectStatus: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}

export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  run(options: LoadOptions): Promise<LoadResult>;
}

/** wrk's durations: `520.00us`, `1.20ms`, `1.02s`, `2.00m`. */
export function wrkDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`unreadable wrk duration "${text}"`);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** Reads `wrk --latency` output. */
export function parseWrk(out: string): LoadResult & { badStatus: number; socketErrors: number } {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !p50 || !p99 || !total) throw new Error(`unreadable wrk output:\n${out}`);
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(rps[1]),
    p50: wrkDuration(p50[1] as string),
    p99: wrkDuration(p99[1] as string),
    requests: Number(total[1]),
    badStatus: bad ? Number(bad[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

function wrk(path: string): LoadGenerator {
  return {
    name: 'wrk',
    async run(o) {
      const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency'];
      for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
      const result = parseWrk(await runToEnd(path, [...args, o.url]));
      // wrk counts only statuses >= 400 as bad; the expected one is checked by a probe request before the run.
      if (result.badStatus > 0 || result.socketErrors > 0) {
        throw new Error(
          `${o.url}: ${result.badStatus} error answers, ${result.socketErrors} socket errors under load`,
        );
      }
      return result;
    },
  };
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  [status: string]: unknown;
}

function autocannon(script: string): LoadGenerator {
  return {
    name: 'autocannon',
    async run(o) {
      const args = [script, '-c', String(o.connections), '-d', String(o.seconds), '-j', '-n'];
      for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}=${v}`);
      const r = JSON.parse(await runToEnd(process.execPath, [...args, o.url])) as AutocannonJson;
      const klass = `${Math.floor(o.expectStatus / 100)}xx`;
      const good = Number(r[klass] ?? 0);
      const total = Number(r.requests.total);
      if (r.errors > 0 || r.timeouts > 0 || good < total) {
        throw new Error(
          `${o.url}: ${total - good} answers other than ${klass}, ${r.errors} errors under load`,
        );
      }
      return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: total };
    },
  };
}

/** wrk if installed (unless BENCH_LOAD=autocannon), else autocannon; says which and why. */
export async function findLoadGenerator(): Promise<{ generator: LoadGenerator; note: string }> {
  const forced = process.env.BENCH_LOAD;
  const wrkPath = forced === 'autocannon' ? undefined : await which('wrk');
  if (wrkPath) return { generator: wrk(wrkPath), note: 'load: wrk, 1 thread' };
  const script = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  return {
    generator: autocannon(script),
    note:
      forced === 'autocannon'
        ? 'load: autocannon (BENCH_LOAD=autocannon)'
        : 'load: autocannon (wrk not installed: apt-get install wrk for figures less bound by the generator)',
  };
}
