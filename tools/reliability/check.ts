/** What every reliability check gives back, and how a scenario runs in a child process (scenario.ts). */
import { beside, startTs } from '../lib/procs.js';

export type Verdict = 'pass' | 'FAIL' | 'not run';

export interface Outcome<T = unknown> {
  verdict: Verdict;
  /** One line per finding or reason. */
  notes: string[];
  /** The figures, as lines of the report (and of the terminal). */
  lines: string[];
  result?: T;
}

/** The options of `npm run reliability` (strings, as parseArgs gives them). */
export type Options = Record<string, string | boolean | undefined>;

/** Runs `scenario`, a function that tools/reliability/<module>.ts exports, in a child process; its result. */
export async function inChild<O, T>(module: string, scenario: (options: O) => Promise<T>, options: O) {
  const args = [module, scenario.name, JSON.stringify(options)];
  const child = await startTs<T>(beside(import.meta.url, 'scenario.ts'), args, { key: 'result', echo: true });
  await child.exited;
  return child.info;
}

export const fmt = (n: number) => n.toLocaleString('en-US');
export const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const verdictOf = (ok: boolean): Verdict => (ok ? 'pass' : 'FAIL');
