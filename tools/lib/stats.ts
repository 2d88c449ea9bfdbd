/** Small statistics and timing helpers for the tools. */
import { setTimeout as sleep } from 'node:timers/promises';

export { mapLimit } from '../../shared/concurrency.js';
export { sleep };

/** The value at quantile q (0..1) of the samples, by linear interpolation between the closest ranks. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const [a, b] = [sorted[Math.floor(pos)] as number, sorted[Math.ceil(pos)] as number];
  return a + (b - a) * (pos - Math.floor(pos));
}

export const median = (samples: readonly number[]) => quantile(samples, 0.5);

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = () => performance.now();

/**
 * CPU time of this process (user + system, all its threads, GC included) in ms. Unlike wall time, it does not
 * grow when other processes compete for the cores, so ratios of CPU-bound work stay stable on a shared machine.
 */
export const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Runs `fn` `n` times in order and returns what each call returned. */
export async function repeat<T>(n: number, fn: (i: number) => Promise<T> | T): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
