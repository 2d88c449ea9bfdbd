/**
 * The scheduled reconcile function, made from its parts (see handler.ts for what it does): one run per
 * invocation, within the invocation's time less STOP_MARGIN_MS, its figures counted when there are metrics.
 * Files that failed for a transient cause make the invocation fail (after the others were applied).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import type { ReconcileConfig } from '../../shared/config.js';
import { Ingester } from '../../shared/ingest/ingester.js';
import { S3Objects } from '../../shared/ingest/objects.js';
import type { Log } from '../../shared/logger.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import type { CountMetrics } from '../metrics.js';
import { runScheduledReconcile, type ScheduledReconcileSummary } from './run.js';

/** Kept back at the end of a run: files in flight finish (each within ingest's 30 s) and the summary is written. */
export const STOP_MARGIN_MS = 60_000;

export interface ReconcileDeps {
  config: Pick<ReconcileConfig, 'tableName' | 'maxObjectBytes' | 'bucket' | 'settleSeconds'>;
  dynamo: DynamoDBClient;
  s3: S3Client;
  log: Log;
  metrics?: CountMetrics;
}

export type ReconcileHandler = (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<ScheduledReconcileSummary>;

export function createReconcileHandler(deps: ReconcileDeps): ReconcileHandler {
  const { config, s3, log, metrics } = deps;
  const store = new DynamoStore(deps.dynamo, config.tableName);
  const ingester = new Ingester({
    store,
    objects: new S3Objects(s3),
    log,
    maxObjectBytes: config.maxObjectBytes,
  });
  return async (_event, context) => {
    const summary = await runScheduledReconcile({
      bucket: config.bucket,
      s3,
      store,
      ingester,
      log,
      stopAt: Date.now() + context.getRemainingTimeInMillis() - STOP_MARGIN_MS,
      settleMs: config.settleSeconds * 1000,
    });
    if (metrics) {
      metrics.addMetric('ReconcileIngested', 'Count', summary.ingested);
      metrics.addMetric('ReconcileRemoved', 'Count', summary.removed);
      metrics.addMetric('ReconcileFailed', 'Count', summary.failed);
      metrics.addMetric('ReconcileUnfinished', 'Count', summary.unfinished ?? 0);
      metrics.addMetric('CountersCorrected', 'Count', summary.recounted.length);
      metrics.publishStoredMetrics();
    }
    if (summary.failed > 0) {
      throw new Error(
        `${summary.failed} article files could not be reconciled now (see the errors above, each with its key); the next run retries them`,
      );
    }
    return summary;
  };
}
