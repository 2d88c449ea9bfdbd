/**
 * The ingest function, made from its parts (the Lambda entry and the local stack's environments make it
 * alike): S3 event notifications (direct, or in SQS messages) -> the ingest core. Bad files end as logged
 * rejections and never fail the batch; transient failures (the store or S3 not answering after the SDK's
 * retries) are reported per SQS message (Powertools' batch utility builds the partial batch response), so
 * only those messages are retried and, in the end, land in the dead-letter queue. A direct S3 invocation has
 * no partial response: a failure throws, and Lambda retries the event.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import type { IngestConfig } from '../../shared/config.js';
import { isInvalidArticle } from '../../shared/errors.js';
import { Ingester, type Outcome } from '../../shared/ingest/ingester.js';
import type { ObjectSource } from '../../shared/ingest/objects.js';
import type { Log } from '../../shared/logger.js';
import type { IngestStore } from '../../shared/store/types.js';
import type { CountMetrics } from '../metrics.js';
import { announceChanges, type ChangeSink } from './changes.js';
import { type Delivery, decodeInvocation, decodeMessage, isSqsEvent } from './events.js';
import { type RemainingTime, timeToTakeMore } from './time-budget.js';

export interface IngestDeps {
  config: Pick<IngestConfig, 'maxObjectBytes'>;
  /** The table (DynamoStore in AWS and locally; the in-memory store in unit tests). */
  store: IngestStore;
  /** The bucket's objects (S3Objects). */
  objects: ObjectSource;
  log: Log;
  /** None locally (nothing reads them there). */
  metrics?: CountMetrics;
  /** Where the feeds each batch changed go (the publish queue); none without WebSub hubs. */
  announce?: ChangeSink;
  /** Messages handled at once (8 by default); events inside one message are applied in order. */
  concurrency?: number;
}

export type IngestHandler = (event: SQSEvent | S3Event, context?: RemainingTime) => Promise<SQSBatchResponse>;

const METRIC_NAMES: Record<Outcome, string> = {
  ingested: 'FilesIngested',
  unchanged: 'FilesUnchanged',
  rejected: 'FilesRejected',
  deleted: 'FilesDeleted',
  ignored: 'FilesIgnored',
  stale: 'EventsStale',
  missing: 'FilesMissing',
};

/** A message that cannot be handled now: it is reported failed, and the queue delivers it again. */
class NotHandled extends Error {}

export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const { log, metrics } = deps;
  const concurrency = deps.concurrency ?? 8;
  const ingester = new Ingester({
    store: deps.store,
    objects: deps.objects,
    log,
    maxObjectBytes: deps.config.maxObjectBytes,
  });
  const count = (name: string, value = 1) => metrics?.addMetric(name, 'Count', value);

  /** Applies a delivery's events in order; throws NotHandled when it must be delivered again. */
  async function deliver(delivery: Delivery, changed: Set<string>): Promise<void> {
    if (delivery.error) {
      log.error(`message ${delivery.messageId} cannot be processed: ${delivery.error}`, {
        messageId: delivery.messageId,
      });
      throw new NotHandled(delivery.error);
    }
    for (const event of delivery.events) {
      try {
        count(METRIC_NAMES[await ingester.apply(event, { changed })]);
      } catch (error) {
        if (isInvalidArticle(error)) {
          // Content the store refused, and even its rejection could not be recorded: a retry would fail alike.
          log.error(`rejected ${event.key}: ${error.reason}`, { key: event.key, reason: error.reason });
          count(METRIC_NAMES.rejected);
          continue;
        }
        log.error(`could not process ${event.key} now; it will be retried`, {
          key: event.key,
          error: error as Error,
        });
        count('TransientFailures');
        throw new NotHandled(`${event.key} could not be processed now`);
      }
    }
  }

  return async (event, context) => {
    // Messages not taken because time ran short are reported failed untouched: SQS delivers them again.
    const canTake = timeToTakeMore(context);
    let untaken = 0;
    // The feeds this batch changed, for WebSub hubs: one message per batch, never one per file.
    const changed = new Set<string>();
    const take = async (delivery: () => Delivery): Promise<void> => {
      if (!canTake()) {
        untaken++;
        throw new NotHandled('time running short');
      }
      await deliver(delivery(), changed);
    };
    let response: SQSBatchResponse = { batchItemFailures: [] };
    let failure: unknown;
    try {
      if (isSqsEvent(event)) {
        // The utility starts every record at once; the limit lets `concurrency` of them run, in their order.
        // A processor per invocation: its state is the invocation's (the local stack runs several at once).
        const limit = pLimit(concurrency);
        response = await processPartialResponse(
          event,
          (record: SQSRecord) => limit(() => take(() => decodeMessage(record))),
          new BatchProcessor(EventType.SQS),
          { throwOnFullBatchFailure: false },
        );
      } else {
        const [direct] = decodeInvocation(event);
        await take(() => direct as Delivery).catch((error: unknown) => {
          // A direct S3 invocation has no partial response: failing it makes Lambda retry the event.
          failure = new Error('1 S3 event(s) could not be processed; see the log lines above', {
            cause: error,
          });
        });
      }
    } finally {
      if (untaken > 0) {
        const messages = isSqsEvent(event) ? event.Records.length : 1;
        log.warn(`time running short: ${untaken} of ${messages} messages left for a later delivery`, {
          untaken,
        });
        count('MessagesPostponed', untaken);
      }
      await announceChanges(deps.announce, changed, log);
      metrics?.publishStoredMetrics();
    }
    if (failure) throw failure;
    return response;
  };
}
