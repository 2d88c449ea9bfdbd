/**
 * The scheduled reconcile Lambda (EventBridge, `reconcileSchedule`): the bucket against the table through the
 * ingest core, as `npm run reindex -- --changed` does from a machine. Invoked with any event (the schedule's,
 * or `aws lambda invoke` by hand). Files that failed for a transient cause make the invocation fail (after
 * the others were applied), which the ReconcileErrors alarm reports; the next run retries them.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { dynamoClient, s3Client } from '../../shared/clients.js';
import { readReconcileConfig } from '../../shared/config.js';
import { Ingester } from '../../shared/ingest/ingester.js';
import { S3Objects } from '../../shared/ingest/objects.js';
import { createLogger } from '../../shared/logger.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import { runScheduledReconcile, type ScheduledReconcileSummary } from './run.js';

const config = readReconcileConfig();
const log = createLogger('reconcile');
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'feedbucket',
  serviceName: 'reconcile',
});
const s3 = s3Client();
const store = new DynamoStore(dynamoClient(), config.tableName);
const ingester = new Ingester({
  store,
  objects: new S3Objects(s3),
  log,
  maxObjectBytes: config.maxObjectBytes,
});

/** Kept back at the end of a run: files in flight finish (each within ingest's 30 s) and the summary is written. */
export const STOP_MARGIN_MS = 60_000;

export async function handler(
  _event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<ScheduledReconcileSummary> {
  const summary = await runScheduledReconcile({
    bucket: config.bucket,
    s3,
    store,
    ingester,
    log,
    stopAt: Date.now() + context.getRemainingTimeInMillis() - STOP_MARGIN_MS,
    settleMs: config.settleSeconds * 1000,
  });
  metrics.addMetric('ReconcileIngested', MetricUnit.Count, summary.ingested);
  metrics.addMetric('ReconcileRemoved', MetricUnit.Count, summary.removed);
  metrics.addMetric('ReconcileFailed', MetricUnit.Count, summary.failed);
  metrics.addMetric('ReconcileUnfinished', MetricUnit.Count, summary.unfinished ?? 0);
  metrics.addMetric('CountersCorrected', MetricUnit.Count, summary.recounted.length);
  metrics.publishStoredMetrics();
  if (summary.failed > 0) {
    throw new Error(
      `${summary.failed} article files could not be reconciled now (see the errors above, each with its key); the next run retries them`,
    );
  }
  return summary;
}
