/**
 * What the local stack remembers between runs, besides the table and the bucket: whether the examples were
 * loaded, and the highest event sequencer handed out. Also the lock that keeps two stacks off one data dir.
 */
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface LocalState {
  version: 1;
  createdAt: string;
  /** The examples are to be loaded (set on the first run, cleared once they are in the bucket). */
  examplesPending: boolean;
  examplesLoadedAt?: string;
  /** The last S3 event sequencer handed out (hex). */
  sequencer?: string;
  /**
   * The last run stopped cleanly: every event it received was ingested and its start-up catch-up finished.
   * Cleared at every start, so a run that is killed leaves it false.
   */
  cleanStop?: boolean;
  /** The parser version whose output the whole table is known to hold (a newer one re-ingests at start). */
  parser?: number;
}

export class DataDirInUseError extends Error {}

export class StateFile {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    public state: LocalState,
    /** True when the data directory had no state yet (a first run). */
    readonly fresh: boolean,
  ) {}

  static async open(dataDir: string, fresh: boolean): Promise<StateFile> {
    const file = path.join(dataDir, 'state.json');
    let state: LocalState | undefined;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as LocalState;
    } catch {
      state = undefined;
    }
    const isNew = !state && fresh;
    const opened = new StateFile(
      file,
      state ?? { version: 1, createdAt: new Date().toISOString(), examplesPending: isNew },
      isNew,
    );
    if (!state) await opened.save();
    return opened;
  }

  update(change: Partial<LocalState>): Promise<void> {
    this.state = { ...this.state, ...change };
    return this.save();
  }

  /** Writes atomically: a temporary file renamed over the old one. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
      await rename(tmp, this.file);
    });
    return this.saving;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export interface DataDirLock {
  release(): Promise<void>;
  /** True when the lock of a process that is gone was found: the last run did not stop cleanly. */
  recovered: boolean;
}

/**
 * Takes the data directory's lock file (holding this process id). A lock left by a process that is gone (one
 * killed with SIGKILL, say) is taken over, and reported as `recovered`.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'lock');
  let recovered = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(file, { force: true }), recovered };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new DataDirInUseError(
          `the data directory ${dataDir} is in use by another feedbucket (process ${pid}); stop it first, or set DATA_DIR to another directory`,
        );
      }
      recovered = true;
      await rm(file, { force: true });
    }
  }
  throw new DataDirInUseError(`could not take the lock on ${dataDir}`);
}
