/**
 * The ingest Lambda: S3 event notifications (direct, or in SQS messages) -> the ingest core.
 * Bad files end as logged rejections and never fail the batch; transient failures (the store or S3 not
 * answering after the SDK's retries) are reported per SQS message, so only those messages are retried and,
 * in the end, land in the dead-letter queue.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Event, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { dynamoClient, s3Client } from '../../shared/clients.js';
import { mapLimit } from '../../shared/concurrency.js';
import { readIngestConfig } from '../../shared/config.js';
import { isInvalidArticle } from '../../shared/errors.js';
import { Ingester, type Outcome } from '../../shared/ingest/ingester.js';
import { S3Objects } from '../../shared/ingest/objects.js';
import { createLogger } from '../../shared/logger.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import { announceChanges } from './changes.js';
import { type Delivery, decodeInvocation } from './events.js';
import { type RemainingTime, timeToTakeMore } from './time-budget.js';

const config = readIngestConfig();
const log = createLogger('ingest');
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'feedbucket',
  serviceName: 'ingest',
});
const ingester = new Ingester({
  store: new DynamoStore(dynamoClient(), config.tableName),
  objects: new S3Objects(s3Client()),
  log,
  maxObjectBytes: config.maxObjectBytes,
});

/** Messages handled at once; events inside one message are applied in order. */
const CONCURRENCY = 8;

const METRIC_NAMES: Record<Outcome, string> = {
  ingested: 'FilesIngested',
  unchanged: 'FilesUnchanged',
  rejected: 'FilesRejected',
  deleted: 'FilesDeleted',
  ignored: 'FilesIgnored',
  stale: 'EventsStale',
  missing: 'FilesMissing',
};

async function deliver(delivery: Delivery, changed: Set<string>): Promise<boolean> {
  if (delivery.error) {
    log.error(`message ${delivery.messageId} cannot be processed: ${delivery.error}`, {
      messageId: delivery.messageId,
    });
    return false;
  }
  for (const event of delivery.events) {
    try {
      const outcome = await ingester.apply(event, { changed });
      metrics.addMetric(METRIC_NAMES[outcome], MetricUnit.Count, 1);
    } catch (error) {
      if (isInvalidArticle(error)) {
        // Content the store refused, and even its rejection could not be recorded: a retry would fail alike.
        log.error(`rejected ${event.key}: ${error.reason}`, { key: event.key, reason: error.reason });
        metrics.addMetric(METRIC_NAMES.rejected, MetricUnit.Count, 1);
        continue;
      }
      log.error(`could not process ${event.key} now; it will be retried`, {
        key: event.key,
        error: error as Error,
      });
      metrics.addMetric('TransientFailures', MetricUnit.Count, 1);
      return false;
    }
  }
  return true;
}

export async function handler(event: SQSEvent | S3Event, context?: RemainingTime): Promise<SQSBatchResponse> {
  const deliveries = decodeInvocation(event);
  // Messages not taken because time ran short are reported failed untouched: SQS delivers them again.
  const canTake = timeToTakeMore(context);
  let untaken = 0;
  // The feeds this batch changed, for WebSub hubs: one message per batch, never one per file.
  const changed = new Set<string>();
  const delivered = await mapLimit(deliveries, CONCURRENCY, (d) => {
    if (canTake()) return deliver(d, changed);
    untaken++;
    return Promise.resolve(false);
  });
  if (untaken > 0) {
    log.warn(`time running short: ${untaken} of ${deliveries.length} messages left for a later delivery`, {
      untaken,
    });
    metrics.addMetric('MessagesPostponed', MetricUnit.Count, untaken);
  }
  await announceChanges(changed, log);
  const failed = deliveries.filter((_, i) => !delivered[i]);
  metrics.publishStoredMetrics();

  const direct = failed.filter((d) => d.messageId === undefined);
  if (direct.length > 0) {
    // A direct S3 invocation has no partial response: failing it makes Lambda retry the event.
    throw new Error(`${direct.length} S3 event(s) could not be processed; see the log lines above`);
  }
  return { batchItemFailures: failed.map((d) => ({ itemIdentifier: d.messageId as string })) };
}
