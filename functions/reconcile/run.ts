/**
 * One scheduled reconcile in AWS: what the bucket's events missed is applied (uploads in the minutes S3 takes
 * to apply a new notification configuration, mixed-case suffixes such as `.Md` that the case-sensitive
 * notification filters let through unseen, events that failed every retry), files gone from the bucket are
 * removed, and topic counters that drifted are corrected. It stops starting files near its time limit; the
 * next run skips what was applied (by ETag), so runs repeated on a large bucket finish it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Ingester } from '../../shared/ingest/ingester.js';
import { type ReconcileResult, reconcileBucket, recountTopics } from '../../shared/ingest/reconcile.js';
import type { Log } from '../../shared/logger.js';
import type { FileIndex, IngestStore, TopicRecount } from '../../shared/store/types.js';

export interface ScheduledReconcileOptions {
  bucket: string;
  s3: S3Client;
  store: IngestStore & FileIndex & TopicRecount;
  ingester: Ingester;
  log: Log;
  /** Epoch ms after which no new file is started (the function's deadline less a margin). */
  stopAt: number;
  /** See RecountOptions.settleMs. */
  settleMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ScheduledReconcileSummary extends ReconcileResult {
  /** Topics whose counter was corrected. */
  recounted: string[];
  /** False when the run stopped before the end of the bucket or had no time left to recount. */
  complete: boolean;
}

/** Time a recount is given beyond its settling pause: one count per topic, at a few at once. */
const RECOUNT_ALLOWANCE_MS = 60_000;

export async function runScheduledReconcile(
  options: ScheduledReconcileOptions,
): Promise<ScheduledReconcileSummary> {
  const { bucket, s3, store, ingester, log, stopAt, settleMs, now = Date.now, sleep } = options;
  const result = await reconcileBucket({
    bucket,
    s3,
    store,
    ingester,
    log,
    concurrency: 8,
    stopWhen: () => now() >= stopAt,
  });
  const timeForRecount = now() + settleMs + RECOUNT_ALLOWANCE_MS <= stopAt;
  const recount = result.unfinished === undefined && timeForRecount;
  const recounted = recount ? await recountTopics(store, log, { settleMs, sleep }) : [];
  const summary = { ...result, recounted, complete: recount };
  const line =
    `reconciled s3://${bucket}: ${result.listed} article files listed; ${result.ingested} ingested, ` +
    `${result.removed} removed, ${result.rejected} rejected, ${result.failed} failed` +
    (result.unfinished ? `; ${result.unfinished} left for the next run (time limit)` : '') +
    (recounted.length > 0 ? `; topic counts corrected: ${recounted.join(', ')}` : '');
  if (result.failed > 0 || result.unfinished) log.warn(line, { summary });
  else log.info(line, { summary });
  return summary;
}
