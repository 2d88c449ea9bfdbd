/**
 * The data directory's lock, held and contended by real processes: one killed with SIGKILL does not block a
 * restart (at once), a live one refuses a second stack with a message naming the directory and its pid, and no
 * pid (a stale one now reused by an unrelated process) is trusted. Ends with the real `npm start` entry point.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_DIR, lockDataDir } from '../../../local/data-dir-lock.js';
import { REPO_ROOT } from '../../../local/stack.js';

const LOCK_MODULE = path.join(REPO_ROOT, 'local', 'data-dir-lock.ts');
/** A process that takes the lock, prints the outcome as one JSON line, and holds it until its stdin closes. */
const HOLDER = `
const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});
try {
  const started = performance.now();
  const lock = await lockDataDir(process.argv[1]);
  console.log(JSON.stringify({ locked: true, recovered: lock.recovered, ms: performance.now() - started }));
  process.stdin.resume();
  process.stdin.on('end', async () => { await lock.release(); process.exit(0); });
} catch (e) {
  console.log(JSON.stringify({ locked: false, message: e.message }));
  process.exit(3);
}`;

type Outcome = { locked: true; recovered: boolean; ms: number } | { locked: false; message: string };

const children: ChildProcess[] = [];
function holder(dataDir: string): { child: ChildProcess; outcome: Promise<Outcome> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOLDER, dataDir], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const outcome = once(lines, 'line').then(([line]) => JSON.parse(line as string) as Outcome);
  return { child, outcome };
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'fb-lock-'));
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  // The short links made for a data directory whose path is too long for a socket address.
  for (const name of await readdir(tmpdir())) {
    const link = path.join(tmpdir(), name);
    if (name.startsWith('feedbucket-') && (await readlink(link).catch(() => '')).startsWith(root))
      await rm(link);
  }
  await rm(root, { recursive: true, force: true });
});

let dirs = 0;
const freshDir = () => path.join(root, `data-${++dirs}`);
/** A new data directory whose lock holder was killed with SIGKILL (and is gone). */
async function killedHolderDir(): Promise<string> {
  const dir = freshDir();
  const first = holder(dir);
  expect(await first.outcome).toMatchObject({ locked: true });
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  return dir;
}

describe('the data directory lock, between processes', () => {
  it('a restart right after SIGKILL of the holder starts at once, as a recovery', async () => {
    const dir = freshDir();
    const first = holder(dir);
    expect(await first.outcome).toMatchObject({ locked: true, recovered: false });
    first.child.kill('SIGKILL'); // not waited for: the next start may find it dying, or dead and not reaped
    const second = holder(dir);
    const outcome = await second.outcome;
    expect(outcome).toMatchObject({ locked: true, recovered: true });
    console.log(`lock taken over ${(outcome as { ms: number }).ms.toFixed(1)} ms after the holder's SIGKILL`);
  });

  it('of several starts racing for the directory of a dead holder, exactly one gets it', async () => {
    const dir = await killedHolderDir();
    const racers = Array.from({ length: 4 }, () => holder(dir));
    const outcomes = await Promise.all(racers.map((r) => r.outcome));
    const winners = racers.filter((_, i) => outcomes[i]?.locked);
    expect(winners).toHaveLength(1);
    for (const o of outcomes) {
      if (!o.locked) expect(o.message).toContain(`(process ${winners[0]?.child.pid})`);
    }
  });

  it('of many starts racing at once in one process after a kill, exactly one gets it, and no litter is left', async () => {
    const dir = await killedHolderDir();
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => lockDataDir(dir)));
    const taken = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(taken).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(DataDirInUseError);
        expect(String(r.reason.message)).toContain(`(process ${process.pid})`);
      }
    }
    expect(await readdir(dir)).toEqual([LOCK_DIR]);
    await taken[0]?.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a second stack on a live one is refused, naming the directory and the holder; a clean release is no recovery', async () => {
    const dir = freshDir();
    const first = holder(dir);
    expect(await first.outcome).toMatchObject({ locked: true });
    const second = await holder(dir).outcome;
    expect(second.locked).toBe(false);
    expect((second as { message: string }).message).toBe(
      `the data directory ${dir} is in use by another feedbucket (process ${first.child.pid}); stop it first, or set DATA_DIR to another directory`,
    );
    first.child.stdin?.end();
    await once(first.child, 'exit');
    expect(await holder(dir).outcome).toMatchObject({ locked: true, recovered: false });
  });

  it('a pid left in a lock file by an earlier version, now a live unrelated process, does not block', async () => {
    const dir = freshDir();
    const unrelated = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)']);
    children.push(unrelated);
    await once(unrelated, 'spawn');
    await holder(dir).outcome.then(() => children.at(-1)?.kill('SIGKILL')); // creates the directory
    await writeFile(path.join(dir, 'lock'), String(unrelated.pid));
    expect(await holder(dir).outcome).toMatchObject({ locked: true, recovered: true });
    expect(alive(unrelated.pid as number)).toBe(true);
  });

  it('works where the directory path is too long for a socket address', async () => {
    const dir = path.join(root, 'd'.repeat(60), 'e'.repeat(60));
    expect(Buffer.byteLength(path.join(dir, LOCK_DIR))).toBeGreaterThan(108);
    const first = holder(dir);
    expect(await first.outcome).toMatchObject({ locked: true, recovered: false });
    expect(await holder(dir).outcome).toMatchObject({ locked: false });
    first.child.kill('SIGKILL');
    expect(await holder(dir).outcome).toMatchObject({ locked: true, recovered: true });
  });
});

describe('npm start on one data directory', () => {
  /** Starts local/start.ts; resolves with its first lines once it is running, or its output once it exits. */
  function npmStart(dataDir: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: '0',
        S3_PORT: '0',
        DYNAMO_PORT: '0',
        DATA_DIR: dataDir,
        ARTICLES_DIR: path.join(dataDir, '..', 'articles'),
        EXAMPLES: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    const running = new Promise<string>((resolve) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Press Ctrl-C to stop.')) resolve(output);
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('exit', (code) => resolve(`${output}\nexit ${code}`));
    });
    return { child, running };
  }

  it('refuses a second stack while the first runs, and starts at once after the first is killed', async () => {
    const dir = freshDir();
    const first = npmStart(dir);
    expect(await first.running).toContain('feedbucket is running locally');
    const second = await npmStart(dir).running;
    expect(second).toContain(
      `feedbucket: the data directory ${dir} is in use by another feedbucket (process ${first.child.pid})`,
    );
    expect(second).toMatch(/exit 1$/);
    first.child.kill('SIGKILL');
    const third = npmStart(dir);
    expect(await third.running).toContain('feedbucket is running locally');
    third.child.kill('SIGTERM');
    expect((await once(third.child, 'exit'))[0]).toBe(0);
  }, 120_000);
});
