/**
 * The publisher function's work on one batch of the publish queue: the feeds every message names, deduplicated
 * across the batch; the CDN's cached copies made fresh (in AWS), then every hub pinged. Bodies that are not
 * change messages are logged and skipped: retrying them would not help.
 */
import type { SQSEvent } from 'aws-lambda';
import type { Log } from '../../shared/logger.js';
import type { ChangeMessage } from '../../shared/websub.js';
import { type PublisherOptions, type PublishReport, publish } from './publisher.js';

export interface PublishBatchOptions extends Omit<PublisherOptions, 'signal'> {
  /**
   * Makes the CDN fetch the feeds afresh before a hub does (CloudFront invalidation, waited for); a throw fails
   * the batch, which the queue delivers again. Absent locally, where nothing caches the feeds.
   */
  invalidate?: (feeds: ReadonlySet<string>) => Promise<void>;
  onReport?: (report: PublishReport, feeds: number) => void;
  signal?: AbortSignal;
}

/** The union of the feeds a batch's messages name. */
export function changedFeeds(event: SQSEvent, log: Log): Set<string> {
  const feeds = new Set<string>();
  for (const record of event.Records) {
    let message: Partial<ChangeMessage> | undefined;
    try {
      message = JSON.parse(record.body) as Partial<ChangeMessage>;
    } catch {
      message = undefined;
    }
    if (!Array.isArray(message?.feeds) || !message.feeds.every((f) => typeof f === 'string' && f !== '')) {
      log.error(`message ${record.messageId} is not a list of changed feeds; skipped`, {
        messageId: record.messageId,
      });
      continue;
    }
    for (const f of message.feeds) feeds.add(f);
  }
  return feeds;
}

/** `signal` ends a run early (the local stack stopping). */
export function publishBatchHandler(
  options: PublishBatchOptions,
): (event: SQSEvent, signal?: AbortSignal) => Promise<void> {
  return async (event, signal) => {
    const feeds = changedFeeds(event, options.log);
    if (feeds.size === 0 || options.hubs.length === 0) return;
    await options.invalidate?.(feeds);
    const report = await publish(feeds, { ...options, signal: signal ?? options.signal });
    options.onReport?.(report, feeds.size);
  };
}
