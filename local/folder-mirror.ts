/**
 * The watched folder: mirrors a local directory into the bucket. A file added or changed is uploaded, a file
 * removed is deleted from the bucket, sub-folders become key prefixes. Dotfiles and editors' temporary files
 * are left out, and a file is uploaded only once its writes have finished.
 *
 * A manifest (key -> MD5, size and time of what was last mirrored) lets a start-up pass catch up with what changed in the
 * folder while nothing was running, without touching objects that were changed through S3 since.
 */

import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type FSWatcher, watch } from 'chokidar';
import { mapLimit } from '../shared/concurrency.js';

export interface MirrorEvents {
  uploaded?(key: string): void;
  deleted?(key: string): void;
  failed?(key: string, error: unknown): void;
}

export interface FolderMirrorOptions extends MirrorEvents {
  dir: string;
  bucket: string;
  s3: S3Client;
  /** Where the manifest is kept (a JSON file). */
  manifestPath: string;
  /** How long a file's size must stay the same before it is uploaded (ms). */
  settleMs?: number;
  /** Uploads at once. */
  concurrency?: number;
  /** How often the whole folder is compared with the manifest, besides after each burst of changes (ms). */
  rescanMs?: number;
  /** false: no file-system events, only the periodic rescans (for file systems without change events). */
  watch?: boolean;
}

/** What was last mirrored of a file: its content hash, and its size and time to notice changes cheaply. */
interface Mirrored {
  md5: string;
  size: number;
  mtimeMs: number;
}

export interface SyncSummary {
  uploaded: number;
  deleted: number;
  unchanged: number;
}

/** Names that are not articles being written: hidden files, editor swap/backup files, partial downloads. */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('~$') ||
    name.endsWith('~') ||
    (name.startsWith('#') && name.endsWith('#')) ||
    /\.(swp|swo|swx|tmp|temp|part|partial|crdownload|download|bak)$/i.test(name) ||
    name === '4913' // vim's write test
  );
}

/** The bucket key of a file in the folder: its relative path with `/` separators, NFC-normalized. */
export function keyOf(dir: string, file: string): string {
  return path.relative(dir, file).split(path.sep).join('/').normalize('NFC');
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const unquote = (etag: string | undefined) => etag?.replace(/"/g, '');

const CONTENT_TYPES: Record<string, string> = {
  '.md': 'text/markdown; charset=utf-8',
  '.markdown': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export class FolderMirror {
  private watcher?: FSWatcher;
  private manifest = new Map<string, Mirrored>();
  /** One chain of operations per key, so an upload and a delete of the same file never overtake each other. */
  private readonly chains = new Map<string, Promise<void>>();
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private periodic?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  /** Requests to S3 under way, and those waiting for a slot (a folder of 10,000 new files is 10,000 events). */
  private active = 0;
  private queued = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: FolderMirrorOptions) {}

  private get settleMs(): number {
    return this.options.settleMs ?? 300;
  }

  private async limited<T>(op: () => Promise<T>): Promise<T> {
    if (this.active >= (this.options.concurrency ?? 8)) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await op();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Starts watching, then catches up with changes made while stopped. Resolves when the catch-up is done. */
  async start(): Promise<SyncSummary> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true });
    this.manifest = await this.loadManifest();
    const settle = this.settleMs;
    this.periodic = setInterval(() => this.scheduleRescan(0), this.options.rescanMs ?? 60_000);
    this.periodic.unref();
    if (this.options.watch === false) return this.exclusiveSync();
    this.watcher = watch(dir, {
      ignoreInitial: true,
      ignored: (p: string) => p !== dir && isIgnoredName(path.basename(p)),
      awaitWriteFinish: { stabilityThreshold: settle, pollInterval: Math.max(20, Math.floor(settle / 4)) },
      followSymlinks: false,
    });
    this.watcher.on('add', (file) => this.upload(keyOf(dir, file), file));
    this.watcher.on('change', (file) => this.upload(keyOf(dir, file), file));
    this.watcher.on('unlink', (file) => this.remove(keyOf(dir, file)));
    this.watcher.on('error', (error) => this.options.failed?.(dir, error));
    // chokidar 4 can drop the adds of a large batch of files when its directory read outlasts its 1 s
    // throttle (seen with 2,000 files copied in while ingesting): a rescan after each burst of activity, and
    // a slow periodic one, find whatever the watcher missed.
    this.watcher.on('raw', () => this.scheduleRescan(settle + 1000));
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
    return this.exclusiveSync();
  }

  /** One sync at a time: rescans wait for the one under way. */
  private exclusiveSync(): Promise<SyncSummary> {
    const run = this.sync();
    this.scanning = run.then(
      () => {
        this.scanning = undefined;
      },
      () => {
        this.scanning = undefined;
      },
    );
    return run;
  }

  /** Stops watching and waits for uploads and deletes under way; saves the manifest. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.periodic);
    clearTimeout(this.rescanTimer);
    await this.watcher?.close();
    await this.scanning;
    await Promise.all([...this.chains.values()]);
    clearTimeout(this.saveTimer);
    await this.saveManifest();
  }

  /** Resolves when every upload and delete queued so far has finished. */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private scheduleRescan(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.rescanTimer);
    this.rescanTimer = setTimeout(() => {
      if (this.scanning) {
        this.scheduleRescan(delayMs); // one at a time; look again once this one is done
        return;
      }
      this.exclusiveSync().catch((error) => this.options.failed?.(this.options.dir, error));
    }, delayMs);
    this.rescanTimer.unref();
  }

  /**
   * Brings the bucket in line with the folder: uploads files that are new or changed since they were last
   * mirrored, deletes the objects of files that are gone (unless the object was replaced through S3 since).
   * A file is read only when its size or time differ from the manifest; one written to in the last moments is
   * left to the watcher (and looked at again shortly).
   */
  private async sync(): Promise<SyncSummary> {
    const { dir } = this.options;
    const files = await listFiles(dir);
    const summary: SyncSummary = { uploaded: 0, deleted: 0, unchanged: 0 };
    const work: (() => Promise<void>)[] = [];
    const present = new Set<string>();
    let busy = false;
    for (const file of files) {
      const key = keyOf(dir, file);
      present.add(key);
      work.push(async () => {
        if (this.closed) return;
        const info = await stat(file).catch(() => undefined);
        if (!info) return; // removed meanwhile: the watcher reports it
        const known = this.manifest.get(key);
        if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) {
          summary.unchanged++; // untouched since it was mirrored: not even read
          return;
        }
        if (Date.now() - info.mtimeMs < this.settleMs) {
          busy = true; // still being written
          return;
        }
        const data = await readFile(file).catch(() => undefined);
        if (!data) return;
        const hash = md5(data);
        if (known?.md5 === hash) {
          // Touched but not changed; if the object differs it was replaced through S3 since, and that wins.
          this.remember(key, { md5: hash, size: info.size, mtimeMs: info.mtimeMs });
          summary.unchanged++;
          return;
        }
        if ((await this.eTagOf(key)) === hash) {
          this.remember(key, { md5: hash, size: info.size, mtimeMs: info.mtimeMs });
          summary.unchanged++;
          return;
        }
        if (await this.upload(key, file)) summary.uploaded++;
      });
    }
    for (const [key, known] of this.manifest) {
      if (present.has(key)) continue;
      work.push(async () => {
        if (this.closed) return;
        // Removed here: delete it there too, unless it was replaced through S3 since.
        if ((await this.eTagOf(key)) === known.md5) {
          if (await this.remove(key)) summary.deleted++;
        } else {
          this.forget(key);
        }
      });
    }
    await runLimited(work, this.options.concurrency ?? 8);
    await this.saveManifest();
    if (busy) this.scheduleRescan(this.settleMs + 1000);
    return summary;
  }

  /** The ETag (MD5) of the object at `key`, or undefined when there is none. */
  private async eTagOf(key: string): Promise<string | undefined> {
    try {
      const head = await this.options.s3.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }),
      );
      return unquote(head.ETag);
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return undefined;
      throw e;
    }
  }

  /** Uploads and deletes queued or under way. */
  pending(): number {
    return this.queued;
  }

  private enqueue(key: string, op: () => Promise<boolean>): Promise<boolean> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const run = () => this.limited(op);
    this.queued++;
    const result = previous.then(run, run);
    const tail = result.then(
      () => {
        this.queued--;
      },
      () => {
        this.queued--;
      },
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return result;
  }

  private upload(key: string, file: string): Promise<boolean> {
    return this.enqueue(key, async () => {
      if (this.closed) return false;
      let data: Buffer;
      let info: Stats;
      try {
        info = await stat(file);
        if (!info.isFile()) return false;
        const known = this.manifest.get(key);
        // The watcher and a rescan may both report one write: upload it once.
        if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return false;
        data = await readFile(file);
      } catch {
        return false; // gone before it could be read: its unlink follows
      }
      try {
        await this.options.s3.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: data,
            ContentType: CONTENT_TYPES[path.extname(key).toLowerCase()] ?? 'application/octet-stream',
          }),
        );
      } catch (error) {
        this.options.failed?.(key, error);
        return false;
      }
      this.remember(key, { md5: md5(data), size: info.size, mtimeMs: info.mtimeMs });
      this.options.uploaded?.(key);
      return true;
    });
  }

  private remove(key: string): Promise<boolean> {
    return this.enqueue(key, async () => {
      try {
        await this.options.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
      } catch (error) {
        this.options.failed?.(key, error);
        return false;
      }
      this.forget(key);
      this.options.deleted?.(key);
      return true;
    });
  }

  private remember(key: string, mirrored: Mirrored): void {
    this.manifest.set(key, mirrored);
    this.scheduleSave();
  }

  private forget(key: string): void {
    this.manifest.delete(key);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.saveManifest();
    }, 500);
  }

  private async loadManifest(): Promise<Map<string, Mirrored>> {
    try {
      const parsed = JSON.parse(await readFile(this.options.manifestPath, 'utf8')) as {
        files?: Record<string, Mirrored>;
      };
      return new Map(Object.entries(parsed.files ?? {}).filter(([, m]) => typeof m?.md5 === 'string'));
    } catch {
      return new Map();
    }
  }

  /** Writes the manifest atomically (a temporary file renamed over the old one). */
  private saveManifest(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const tmp = `${this.options.manifestPath}.${process.pid}.tmp`;
      const body = JSON.stringify({
        version: 1,
        dir: this.options.dir,
        files: Object.fromEntries(this.manifest),
      });
      await writeFile(tmp, body);
      await rename(tmp, this.options.manifestPath);
    });
    return this.saving;
  }
}

/** Every file under `dir` that is not ignored (nor inside an ignored folder). */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (isIgnoredName(e.name)) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

async function runLimited(work: (() => Promise<void>)[], limit: number): Promise<void> {
  await mapLimit(work, limit, (job) => job());
}
