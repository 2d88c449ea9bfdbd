/**
 * The lock that keeps two local stacks off one data directory, made of what the operating system releases when
 * a process dies, however it dies, so no process id is trusted (a pid that came back to another process blocks
 * nothing). On Linux and macOS: the directory `lock.d` in the data directory holds one Unix domain socket,
 * named for its holder, which listens on it. A start binds its own socket in a directory of its own and renames
 * that directory to `lock.d`: the rename fails while `lock.d` holds a socket and replaces it when empty, so
 * exactly one start gets it, however many race. A socket in `lock.d`
 * - that refuses connections was left by a holder that is gone: it is removed (its name is never bound again, so
 *   this removes nothing live) and the start is `recovered` (the last run did not stop cleanly);
 * - that answers with its pid is a live stack: the start is refused, naming the directory and the pid;
 * - that accepts but does not answer (a holder being killed right now) is asked again until it refuses, or, if
 *   it never answers, the start is refused.
 * On Windows a named pipe named for the directory plays the part (the system frees it with its holder).
 * Hand-written because Node has no advisory file lock (flock) without a native addon.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdir,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class DataDirInUseError extends Error {}

export interface DataDirLock {
  release(): Promise<void>;
  /** True when the last holder did not let go (it was killed, or crashed): the last run did not stop cleanly. */
  recovered: boolean;
}

/** The directory, in the data directory, that holds the holder's socket. */
export const LOCK_DIR = 'lock.d';
/** The pid file earlier versions used: one left behind means such a version was killed. */
const LEGACY_LOCK_FILE = 'lock';
/** The longest socket path all Unixes take (macOS: 104 bytes, the terminating NUL included). */
const MAX_SOCKET_PATH = 103;
/** How long a holder has to answer one connection. */
const ANSWER_MS = 500;
/** How long a holder that accepts connections but never answers is waited for before the start is refused. */
const GIVE_UP_MS = 3000;

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * The directory the lock's sockets are reached through: the data directory, or, when its path is too long for
 * socket addresses, a short link to it in the temp directory.
 */
async function socketBase(dataDir: string, longestName: number): Promise<string> {
  const real = await realpath(dataDir);
  if (Buffer.byteLength(path.join(real, 'x'.repeat(longestName))) <= MAX_SOCKET_PATH) return real;
  const short = path.join(tmpdir(), `feedbucket-${hash(real)}`);
  await symlink(real, short, 'dir').catch((e) => {
    if (code(e) !== 'EEXIST') throw e;
  });
  if ((await readlink(short)) !== real) {
    throw new Error(`${short} exists but does not lead to ${real}: remove it, or use a shorter DATA_DIR`);
  }
  return short;
}

/** Listens at `address`; undefined when something is there already. */
function listen(address: string): Promise<net.Server | undefined> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify({ pid: process.pid })}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => (code(e) === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    server.listen(address, () => {
      server.unref();
      resolve(server);
    });
  });
}

type Holder = { state: 'live'; pid: number } | { state: 'silent' } | { state: 'dead' } | { state: 'gone' };

/** Asks whoever listens at `address` for its pid. */
function ask(address: string): Promise<Holder> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address);
    let answer = '';
    const done = (holder: Holder) => {
      socket.destroy();
      resolve(holder);
    };
    socket.setTimeout(ANSWER_MS, () => done({ state: 'silent' }));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('end', () => {
      const pid = Number(/^\{"pid":(\d+)\}$/.exec(answer.trim())?.[1]);
      done(pid > 0 ? { state: 'live', pid } : { state: 'silent' });
    });
    socket.on('error', (e) => {
      if (code(e) === 'ECONNREFUSED') done({ state: 'dead' });
      else if (code(e) === 'ENOENT') done({ state: 'gone' });
      else if (code(e) === 'ECONNRESET' || code(e) === 'EAGAIN') done({ state: 'silent' });
      else reject(e);
    });
  });
}

const inUse = (dataDir: string, who: string) =>
  new DataDirInUseError(
    `the data directory ${dataDir} is in use by another feedbucket (${who}); stop it first, or set DATA_DIR to another directory`,
  );

/** Takes the data directory's lock, or throws DataDirInUseError when a live stack holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  if (process.platform === 'win32') return lockWithPipe(dataDir);
  const id = randomBytes(6).toString('hex');
  const base = await socketBase(dataDir, `lock.${id}/${id}`.length);
  const own = path.join(base, `lock.${id}`);
  const lockDir = path.join(base, LOCK_DIR);
  await mkdir(own);
  const server = await listen(path.join(own, id));
  if (!server) throw new Error(`could not listen at ${path.join(own, id)}`);
  let recovered = false;
  const started = Date.now();
  try {
    for (;;) {
      try {
        await rename(own, lockDir);
        const hadLegacy = await rm(path.join(dataDir, LEGACY_LOCK_FILE)).then(
          () => true,
          () => false,
        );
        return {
          recovered: recovered || hadLegacy,
          release: async () => {
            await new Promise<void>((resolve) => server.close(() => resolve()));
            await rm(path.join(lockDir, id), { force: true });
            await rmdir(lockDir).catch(() => {}); // not empty: the next holder is in already
          },
        };
      } catch (e) {
        if (code(e) !== 'ENOTEMPTY' && code(e) !== 'EEXIST') throw e;
      }
      let waiting = false;
      for (const name of await readdir(lockDir).catch(() => [])) {
        const holder = await ask(path.join(lockDir, name));
        if (holder.state === 'live') throw inUse(dataDir, `process ${holder.pid}`);
        if (holder.state === 'dead') {
          await rm(path.join(lockDir, name), { force: true });
          recovered = true;
        } else if (holder.state === 'silent') waiting = true;
      }
      if (Date.now() - started > GIVE_UP_MS) {
        throw inUse(
          dataDir,
          waiting ? 'it accepts connections but does not answer' : 'the lock keeps changing hands',
        );
      }
      if (waiting) await sleep(100);
    }
  } catch (e) {
    server.close();
    await rm(own, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Windows: a named pipe named for the directory, which the system frees when its holder ends. A marker file
 * the holder removes when it lets go tells, at the next start, whether it did.
 */
async function lockWithPipe(dataDir: string): Promise<DataDirLock> {
  const address = `\\\\?\\pipe\\feedbucket-${hash((await realpath(dataDir)).toLowerCase())}`;
  const marker = path.join(dataDir, LOCK_DIR);
  const started = Date.now();
  for (;;) {
    const server = await listen(address);
    if (server) {
      const recovered = await stat(marker).then(
        () => true,
        () => false,
      );
      await writeFile(marker, String(process.pid));
      return {
        recovered,
        release: async () => {
          await rm(marker, { force: true });
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
    const holder = await ask(address);
    if (holder.state === 'live') throw inUse(dataDir, `process ${holder.pid}`);
    if (Date.now() - started > GIVE_UP_MS) throw inUse(dataDir, 'it accepts connections but does not answer');
    await sleep(100);
  }
}
