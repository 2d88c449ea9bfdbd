/**
 * What the local stack remembers between runs, besides the table and the bucket: whether the examples were
 * loaded, and the highest event sequencer handed out.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
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
