/**
 * The local stack's catching up at start: the table reconciled with the bucket through the ingest core when
 * they may disagree (after an unclean stop, a new parser, or a drift found by a cheap check), with a progress
 * line; the example articles loaded into a new data directory.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PARSER_VERSION } from '../shared/article/article.js';
import { isArticleKey } from '../shared/article/files.js';
import { Ingester } from '../shared/ingest/ingester.js';
import { S3Objects } from '../shared/ingest/objects.js';
import { type ReconcileResult, reconcileBucket } from '../shared/ingest/reconcile.js';
import type { Log } from '../shared/logger.js';
import type { DynamoStore } from '../shared/store/dynamodb.js';
import type { FileRecord } from '../shared/store/types.js';
import { fmt, type StatusConsole } from './console.js';
import { isIgnoredName } from './folder-mirror.js';

/** Every file under `dir` (not dotfiles), as paths relative to it with `/` separators. */
async function listRelative(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (isIgnoredName(e.name)) continue;
      if (e.isDirectory()) await walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

/** Uploads the article files under `dir` into the bucket under `examples/`; returns how many. */
export async function loadExamples(s3: S3Client, bucket: string, dir: string): Promise<number> {
  const files = (await listRelative(dir)).filter(isArticleKey);
  for (const rel of files) {
    const body = await readFile(path.join(dir, rel));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `examples/${rel}`, Body: body }));
  }
  return files.length;
}

/**
 * Whether the table disagrees with the bucket: an article object the table has not applied (or applied by an
 * older parser), or a file the table holds that the bucket no longer has. One listing and one scan, without
 * reading any object: cheap enough to run at every start, as a check behind the clean-stop flag.
 */
export async function drifted(s3: S3Client, bucket: string, store: DynamoStore): Promise<boolean> {
  const records = new Map<string, FileRecord>();
  for await (const f of store.listFiles()) records.set(f.key, f);
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!o.Key || !isArticleKey(o.Key)) continue;
      seen.add(o.Key);
      const r = records.get(o.Key);
      if (
        !r ||
        r.status === 'deleted' ||
        r.eTag !== o.ETag?.replace(/"/g, '') ||
        r.parser !== PARSER_VERSION
      ) {
        return true;
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  for (const r of records.values()) if (r.status !== 'deleted' && !seen.has(r.key)) return true;
  return false;
}

/** Stops applying events once the stack is stopping (reconciliation leaves the rest for the next start). */
class StoppableIngester extends Ingester {
  constructor(
    private readonly stopping: () => boolean,
    options: ConstructorParameters<typeof Ingester>[0],
  ) {
    super(options);
  }

  override apply(...args: Parameters<Ingester['apply']>): ReturnType<Ingester['apply']> {
    if (this.stopping()) return Promise.reject(new Error('stopping'));
    return super.apply(...args);
  }
}

/** The ingest core's log, read for people: rejections, warnings and failures as lines, the rest left out. */
export function consoleLog(out: StatusConsole, stopping: () => boolean = () => false): Log {
  const quiet = () => {};
  return {
    debug: quiet,
    info: quiet,
    warn: (message) => out.log(`warning   ${message}`),
    error: (message, ...extra) => {
      if (stopping()) return;
      const fields = Object.assign({}, ...extra) as { key?: string; reason?: string; error?: unknown };
      if (fields.key && fields.reason) out.log(`rejected  ${fields.key}: ${fields.reason}`);
      else {
        const why = fields.error instanceof Error ? `: ${fields.error.message}` : '';
        out.log(`error     ${message}${why}`);
      }
    },
  };
}

/** Start-up reconciliation of the table with the bucket, through the ingest core, with a progress line. */
export async function reconcile(opts: {
  bucket: string;
  s3: S3Client;
  store: DynamoStore;
  out: StatusConsole;
  /** True once the stack is stopping: no new file is started, and failures are not printed. */
  stopping: () => boolean;
  /** The ingest function's MAX_OBJECT_BYTES. */
  maxObjectBytes: number;
}): Promise<ReconcileResult> {
  const { out, stopping } = opts;
  const log = consoleLog(out, stopping);
  const ingester = new StoppableIngester(stopping, {
    store: opts.store,
    objects: new S3Objects(opts.s3),
    log,
    maxObjectBytes: opts.maxObjectBytes,
  });
  let progress = { done: 0, total: 0, rejected: 0 };
  const started = Date.now();
  let showing = false;
  try {
    return await reconcileBucket({
      bucket: opts.bucket,
      s3: opts.s3,
      store: opts.store,
      ingester,
      log,
      onProgress: (p) => {
        progress = p;
        if (!showing && (p.total > 50 || Date.now() - started > 1000)) {
          showing = true;
          out.startStatus(
            () =>
              `catching up with the bucket: ${fmt(progress.done)} / ${fmt(progress.total)} checked, ${fmt(progress.rejected)} rejected`,
          );
        }
      },
    });
  } finally {
    if (showing && !stopping()) {
      out.endStatus(
        `caught up with the bucket: ${fmt(progress.done)} / ${fmt(progress.total)} checked in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
}
