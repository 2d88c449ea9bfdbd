/**
 * Child processes for the tools: what is measured or stressed runs in a process of its own, apart from what
 * measures it (the two cores are shared, so nothing measured should share an event loop with its measurer).
 * A child speaks in JSON lines `{"<key>": value}` on stdout (`announce`); `startChild` resolves with the first
 * line of the key asked for, and `next(key)` waits for later ones. Its other stdout lines go to our stderr.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
});

export interface Child<T> {
  pid: number;
  process: ChildProcess;
  /** The value of the first line with the key asked for. */
  info: T;
  /** The value of the next line the child prints with this key. */
  next<V>(key: string): Promise<V>;
  exited: Promise<number | null>;
  /** Closes its stdin and sends SIGTERM (children stop on either, see `onStop`); SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  /** The key of the line that says the child is ready (default `ready`). */
  key?: string;
  /** Fail when the child has not said it is ready by then (default: wait as long as it runs). */
  timeoutMs?: number;
  /** For programs that print nothing (nginx): ready once this returns a value. */
  probe?: () => Promise<unknown>;
  /** Copy the child's stderr to ours as it comes (its progress), besides keeping its tail. */
  echo?: boolean;
}

const ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const execFileAsync = promisify(execFile);

/** Starts a child and waits for its ready line; fails with its stderr if it exits first. */
export function startChild<T>(
  command: string,
  args: string[],
  options: ChildOptions = {},
): Promise<Child<T>> {
  const proc = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...ENV, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(proc);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    if (options.echo) process.stderr.write(d);
    err = (err + d.toString()).slice(-4000);
  });
  const exited = once(proc, 'exit').then(([code]) => {
    live.delete(proc);
    return code as number | null;
  });
  const lines = new EventEmitter();
  const next = async <V>(key: string) => ((await once(lines, key)) as [V])[0];
  const label = path.basename(args.find((a) => a.endsWith('.ts')) ?? command);
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {}
    const key = parsed && typeof parsed === 'object' ? Object.keys(parsed)[0] : undefined;
    if (key === undefined || lines.listenerCount(key) === 0)
      return process.stderr.write(`[${label}] ${line}\n`);
    lines.emit(key, (parsed as Record<string, unknown>)[key]);
  });
  const stop = async (ms = 15_000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.stdin?.end();
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  };
  const what = `${path.basename(command)} ${args.join(' ')}`.slice(0, 200);
  return new Promise((resolve, reject) => {
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            void stop();
            reject(new Error(`${what} did not start within ${options.timeoutMs} ms\n${err}`));
          }, options.timeoutMs);
    const ready = (info: unknown) => {
      clearTimeout(timer);
      resolve({ pid: proc.pid as number, process: proc, info: info as T, next, exited, stop });
    };
    const { probe } = options;
    if (probe) {
      const poll = async () => {
        if (proc.exitCode !== null) return;
        const info = await probe().catch(() => undefined);
        if (info !== undefined) ready(info);
        else setTimeout(poll, 50);
      };
      void poll();
    } else void next(options.key ?? 'ready').then(ready);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? proc.signalCode}) before it was ready\n${err}`));
    });
  });
}

/** A TypeScript file of the tools in a child (node with tsx's loader); `nodeArgs` go before the script. */
export const startTs = <T>(
  script: string,
  args: string[] = [],
  options: ChildOptions & { nodeArgs?: string[] } = {},
) =>
  startChild<T>(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], options);

/** The path of a file beside `base` (an import.meta.url). */
export const beside = (base: string, relative: string) => fileURLToPath(new URL(relative, base));

/** Called by a child: one JSON line `{"<key>": value}` for its parent. */
export const announce = (key: string, value: unknown) =>
  process.stdout.write(`${JSON.stringify({ [key]: value })}\n`);

/** In a child: runs `stop` (once) when the parent closes our stdin or sends SIGTERM, then exits. */
export function onStop(stop: () => Promise<unknown> | unknown): void {
  let stopping = false;
  const run = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    // process.exit (not a signal death) so that a --cpu-prof profile is written.
    process.exit(0);
  };
  process.on('SIGTERM', run);
  process.stdin.on('end', run);
  process.stdin.resume();
}

/** Runs a command to completion and returns its stdout; rejects with its stderr on a non-zero exit. */
export async function runToEnd(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const options = { cwd: REPO_ROOT, env: { ...process.env, ...ENV, ...env }, maxBuffer: 256 * 1024 * 1024 };
  const run = execFileAsync(command, args, options);
  live.add(run.child);
  try {
    return (await run).stdout;
  } catch (e) {
    const { code, stderr, stdout } = e as { code?: number; stderr?: string; stdout?: string };
    const output = stderr?.slice(-4000) || stdout?.slice(-2000);
    throw new Error(`${command} ${args.join(' ')} failed (${code}): ${output || (e as Error).message}`);
  } finally {
    live.delete(run.child);
  }
}

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 and report it: nginx, a down hub). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((closed) => server.close(closed));
  return port;
}

/** Where an executable is on PATH (or in the usual sbin folders), or undefined. */
export function which(name: string): string | undefined {
  const PATH = [process.env.PATH, '/usr/sbin', '/usr/local/sbin', '/sbin'].filter(Boolean).join(':');
  const found = spawnSync('sh', ['-c', 'command -v "$0"', name], { env: { PATH }, encoding: 'utf8' });
  return found.stdout?.trim() || undefined;
}

/**
 * CPU time (user + system, ms) a process and its descendants have used so far, from /proc (Linux); NaN where
 * /proc is not there. Clock ticks are taken as 100 per second, Linux's USER_HZ on every common architecture.
 */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let ms = (Number(fields[11]) + Number(fields[12])) * 10;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) {
      const c = cpuMsOf(Number(child));
      if (!Number.isNaN(c)) ms += c;
    }
    return ms;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process in MB (VmRSS), or undefined when it cannot be read. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
