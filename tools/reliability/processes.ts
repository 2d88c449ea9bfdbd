/**
 * Child processes for the reliability runs (each scenario and the local stack run apart from the process
 * that measures them) and the resident memory of a process, read from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RELIABILITY_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(RELIABILITY_DIR, '..', '..');

/** Resident set size of a process in MB (VmRSS), or undefined when it cannot be read. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? (s[mid] as number)
      : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

export interface Child<T> {
  process: ChildProcess;
  /** The first line the child printed that is a JSON object with the key asked for (its value). */
  first: Promise<T>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** The value of the next JSON line the child prints with this key. */
  next<V>(key: string): Promise<V>;
  /** Closes the child's stdin (our children stop on that) and waits for it to end; kills it after `ms`. */
  stop(ms?: number): Promise<number | null>;
}

/**
 * Runs `node --import tsx <script> ...args` from the repository root. Its stderr goes to ours; so do the
 * lines it prints on stdout, but for the first JSON object with `key`, whose value `first` resolves to.
 */
export function startTsx<T>(
  script: string,
  key: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Child<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(RELIABILITY_DIR, script), ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waiting = new Map<string, ((v: unknown) => void)[]>();
  const first = new Promise<T>((resolve, reject) => {
    waiting.set(key, [resolve as (v: unknown) => void]);
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          parsed = undefined;
        }
        const k = parsed && typeof parsed === 'object' ? Object.keys(parsed)[0] : undefined;
        const listeners = k === undefined ? undefined : waiting.get(k);
        if (k !== undefined && listeners?.length) {
          waiting.set(k, []);
          for (const l of listeners) l((parsed as Record<string, unknown>)[k]);
        } else process.stderr.write(`[${path.basename(script, '.ts')}] ${line}\n`);
      }
    });
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before reporting`)));
  });
  first.catch(() => {});
  return {
    process: child,
    first,
    exited,
    next<V>(k: string) {
      return new Promise<V>((resolve) =>
        waiting.set(k, [...(waiting.get(k) ?? []), resolve as (v: unknown) => void]),
      );
    },
    async stop(ms = 15_000) {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
