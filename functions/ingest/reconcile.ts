/**
 * Reconciliation: brings the table in line with the bucket through the same ingest core, idempotently.
 * Used at start-up of the local stack (nothing is lost across a crash) and by `npm run reindex`.
 * New or changed objects (by ETag, or ingested by an older parser) are applied; keys the table knows but the
 * bucket no longer has are removed. With `force`, every object is applied again.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PARSER_VERSION } from '../../shared/article.js';
import { isArticleKey } from '../../shared/article-files.js';
import { mapLimit } from '../../shared/concurrency.js';
import type { Log } from '../../shared/logger.js';
import type { FileIndex, FileRecord, IngestStore, TopicRecount } from '../../shared/store/types.js';
import type { Ingester, ObjectEvent, Outcome } from './ingester.js';
import { unquote } from './objects.js';

export interface ReconcileProgress {
  done: number;
  total: number;
  rejected: number;
}

export interface ReconcileOptions {
  bucket: string;
  s3: S3Client;
  store: IngestStore & FileIndex;
  ingester: Ingester;
  log: Log;
  concurrency?: number;
  force?: boolean;
  onProgress?: (progress: ReconcileProgress) => void;
}

export interface ReconcileResult {
  listed: number;
  ingested: number;
  unchanged: number;
  removed: number;
  rejected: number;
  /** Objects that could not be processed now (transient failures); a later run picks them up. */
  failed: number;
}

/** Every article file of the bucket, as the event its upload would have sent (with LastModified as its time). */
export async function listArticleObjects(s3: S3Client, bucket: string): Promise<ObjectEvent[]> {
  const out: ObjectEvent[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!o.Key || !isArticleKey(o.Key)) continue;
      out.push({
        kind: 'created',
        bucket,
        key: o.Key,
        size: o.Size,
        eTag: unquote(o.ETag),
        eventTime: (o.LastModified ?? new Date(0)).toISOString(),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export async function reconcileBucket(options: ReconcileOptions): Promise<ReconcileResult> {
  const { bucket, s3, store, ingester, log, concurrency = 8, force = false, onProgress } = options;
  const objects = await listArticleObjects(s3, bucket);
  const inBucket = new Set(objects.map((o) => o.key));
  const known = new Map<string, FileRecord>();
  for await (const f of store.listFiles()) known.set(f.key, f);

  const now = new Date().toISOString();
  // An object whose ETag this parser already applied needs no request at all: the scan has said so.
  const current = (o: ObjectEvent) => {
    const f = known.get(o.key);
    return (
      !force &&
      o.kind === 'created' &&
      f !== undefined &&
      f.status !== 'deleted' &&
      f.eTag !== undefined &&
      f.eTag === o.eTag &&
      f.parser === PARSER_VERSION
    );
  };
  const work: ObjectEvent[] = objects.filter((o) => !current(o));
  const skipped = objects.length - work.length;
  for (const [key, f] of known) {
    if (f.status !== 'deleted' && !inBucket.has(key))
      work.push({ kind: 'removed', bucket, key, eventTime: now });
  }

  const result: ReconcileResult = {
    listed: objects.length,
    ingested: 0,
    unchanged: skipped,
    removed: 0,
    rejected: 0,
    failed: 0,
  };
  const count = (outcome: Outcome) => {
    if (outcome === 'ingested') result.ingested++;
    else if (outcome === 'rejected') result.rejected++;
    else if (outcome === 'deleted') result.removed++;
    else result.unchanged++;
  };
  let done = 0;
  await mapLimit(work, concurrency, async (event) => {
    try {
      count(await ingester.apply(event, { force }));
    } catch (error) {
      result.failed++;
      log.error(`could not reconcile ${event.key} now; run again later`, {
        key: event.key,
        error: error as Error,
      });
    }
    done++;
    onProgress?.({ done, total: work.length, rejected: result.rejected });
  });
  return result;
}

/**
 * Counts every topic's entries again and repairs counters that drifted (see TopicRecount). Returns the slugs
 * whose count was corrected. Cost: one count-only Query per topic, reading all its entries.
 */
export async function recountTopics(store: TopicRecount, log: Log, concurrency = 4): Promise<string[]> {
  const slugs = await store.listTopicSlugs();
  const fixed: string[] = [];
  const at = new Date().toISOString();
  await mapLimit(slugs, concurrency, async (slug) => {
    const count = await store.countEntries(slug);
    if (await store.setTopicCount(slug, count, at)) {
      fixed.push(slug);
      log.warn(`topic ${slug}: count corrected to ${count}`, { topic: slug, count });
    }
  });
  return fixed.sort();
}
