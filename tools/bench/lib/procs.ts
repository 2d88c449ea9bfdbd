/**
 * Child processes for the bench: servers under test and load generators run in their own processes (the two
 * cores are shared, so nothing measured should share an event loop with what measures it).
 * A server child prints one JSON line `{"ready": …}` on stdout when it listens; see `announceReady`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of live) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  });
}

export interface Child<T> {
  pid: number;
  info: T;
  /** The last lines the child wrote on stderr (for error messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/** The path of a file next to `base` (an import.meta.url). */
export const beside = (base: string, relative: string) => fileURLToPath(new URL(relative, base));

/** Node with tsx's loader, so children can be TypeScript files. */
export const tsNode = (script: string, args: string[] = []) => ({
  command: process.execPath,
  args: ['--import', 'tsx', script, ...args],
});

/**
 * Starts a child and waits for its `{"ready": …}` line (or, with `probe`, until the probe returns a value:
 * for programs that print nothing, like nginx); fails with the child's stderr if it exits first.
 */
export function startChild<T>(
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    cwd?: string;
    probe?: () => Promise<T | undefined>;
  } = {},
): Promise<Child<T>> {
  hookExit();
  const proc = spawn(command, args, {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  live.add(proc);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return resolve();
      const timer = setTimeout(() => proc.pid && proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(timer);
        live.delete(proc);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(
          `${command} ${args.join(' ')} did not start within ${options.timeoutMs ?? 30_000} ms\n${err}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    const ready = (info: T) => {
      clearTimeout(timer);
      resolve({ pid: proc.pid as number, info, stderr: () => err, stop });
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
    }
    proc.stdout?.on('data', (d: Buffer) => {
      if (probe) return;
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (!line) return;
      proc.stdout?.removeAllListeners('data');
      proc.stdout?.resume();
      ready(JSON.parse(line).ready as T);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      reject(
        new Error(`${command} ${args.join(' ')} exited (${code ?? signal}) before it was ready\n${err}`),
      );
    });
  });
}

/** Called by a child when it is ready; the parent's startChild resolves with `info`. */
export function announceReady(info: unknown): void {
  process.stdout.write(`${JSON.stringify({ ready: info })}\n`);
}

/** Runs a command to completion and returns its stdout; rejects with its stderr on a non-zero exit. */
export function runToEnd(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  hookExit();
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(proc);
    let out = '';
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    proc.once('error', reject);
    proc.once('exit', (code) => {
      live.delete(proc);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${err || out.slice(-2000)}`));
    });
  });
}

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 and report it, like nginx). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Where an executable is on PATH (or in the usual sbin folders), or undefined. */
export async function which(name: string): Promise<string | undefined> {
  const { access, constants } = await import('node:fs/promises');
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = `${dir}/${name}`;
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
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
