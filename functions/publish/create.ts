/**
 * The publisher function, made from its parts (the Lambda entry and the local stack make it alike): each
 * batch of the publish queue handled by publishBatchHandler (batch.ts), its figures counted when there are
 * metrics.
 */
import type { SQSEvent } from 'aws-lambda';
import type { PublishConfig } from '../../shared/config.js';
import type { Log } from '../../shared/logger.js';
import type { CountMetrics } from '../metrics.js';
import { publishBatchHandler } from './batch.js';

export interface PublishDeps {
  config: Pick<PublishConfig, 'hubs' | 'publicBaseUrl'>;
  log: Log;
  metrics?: CountMetrics;
  /** Makes the CDN's copies fresh before the hubs are told (CloudFront in AWS); none locally. */
  invalidate?: (feeds: ReadonlySet<string>) => Promise<void>;
}

/** `signal` ends a run early (the local stack stopping). */
export type PublishHandler = (event: SQSEvent, signal?: AbortSignal) => Promise<void>;

export function createPublishHandler(deps: PublishDeps): PublishHandler {
  const { metrics } = deps;
  return publishBatchHandler({
    hubs: deps.config.hubs,
    baseUrl: deps.config.publicBaseUrl,
    log: deps.log,
    invalidate: deps.invalidate,
    onReport:
      metrics &&
      ((report, feeds) => {
        metrics.addMetric('FeedsChanged', 'Count', feeds);
        metrics.addMetric('PingsSent', 'Count', report.sent);
        metrics.addMetric('PingsDropped', 'Count', report.dropped.length);
        metrics.publishStoredMetrics();
      }),
  });
}
