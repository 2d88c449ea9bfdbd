/**
 * Reconciliation: brings the table in line with the bucket through the same ingest core, idempotently.
 * Used at start-up of the local stack (nothing is lost across a crash) and by `npm run reindex`.
 * New or changed objects (by ETag, or ingested by an older parser) are applied; keys the table knows but the
 * bucket no longer has are removed. With `force`, every object is applied again.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PARSER_VERSION } from '../article/article.js';
import { isArticleKey } from '../article/files.js';
import { mapLimit } from '../concurrency.js';
import type { Log } from '../logger.js';
import type { FileIndex, FileRecord, IngestStore, TopicRecount } from '../store/types.js';
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
  /**
   * Asked before each file is started; once it says true no further file is started (a function nearing its
   * time limit). Files already applied are skipped by the next run, so repeated runs finish a large bucket.
   */
  stopWhen?: () => boolean;
}

export interface ReconcileResult {
  listed: number;
  ingested: number;
  unchanged: number;
  removed: number;
  rejected: number;
  /** Objects that could not be processed now (transient failures); a later run picks them up. */
  failed: number;
  /** Set when `stopWhen` stopped the run: files (and removals) not started, for the next run. */
  unfinished?: number;
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
  const { bucket, s3, store, ingester, log, concurrency = 8, force = false, onProgress, stopWhen } = options;
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
    if (stopWhen?.()) {
      result.unfinished = (result.unfinished ?? 0) + 1;
      return;
    }
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

export interface RecountOptions {
  concurrency?: number;
  /**
   * With live ingest beside the recount, an entry may be written a moment before its counter is: a drift seen
   * once may be such a moment. With settleMs, a topic is corrected only when a second look this much later sees
   * the same count and the same revision (no change to the feed meanwhile). 0: correct at once (no ingest runs).
   */
  settleMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Observation {
  slug: string;
  revision: number;
  stored: number;
  counted: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Counts every topic's entries again and repairs counters that drifted (see TopicRecount). Returns the slugs
 * whose count was corrected. Cost: one GetItem and one count-only Query per topic (reading all its entries),
 * and again for the drifted ones when settling. A correction applies only if the topic's revision is still the
 * one observed, so a counter that moved meanwhile is left for the next run.
 */
export async function recountTopics(
  store: TopicRecount,
  log: Log,
  options: RecountOptions = {},
): Promise<string[]> {
  const { concurrency = 4, settleMs = 0, sleep = pause } = options;
  const observe = async (slug: string): Promise<Observation | undefined> => {
    const meta = await store.getTopic(slug);
    if (!meta) return undefined;
    const counted = await store.countEntries(slug);
    return { slug, revision: meta.revision, stored: meta.count, counted };
  };
  const drifted = (o: Observation | undefined): o is Observation => o !== undefined && o.stored !== o.counted;
  let seen = (await mapLimit(await store.listTopicSlugs(), concurrency, observe)).filter(drifted);
  if (settleMs > 0 && seen.length > 0) {
    await sleep(settleMs);
    const first = new Map(seen.map((o) => [o.slug, o]));
    seen = (await mapLimit(seen, concurrency, (o) => observe(o.slug))).filter(
      (o): o is Observation =>
        drifted(o) && first.get(o.slug)?.revision === o.revision && first.get(o.slug)?.counted === o.counted,
    );
  }
  const fixed: string[] = [];
  const at = new Date().toISOString();
  await mapLimit(seen, concurrency, async ({ slug, counted, revision }) => {
    if (await store.setTopicCount(slug, counted, at, revision)) {
      fixed.push(slug);
      log.warn(`topic ${slug}: count corrected to ${counted}`, { topic: slug, count: counted });
    }
  });
  return fixed.sort();
}
