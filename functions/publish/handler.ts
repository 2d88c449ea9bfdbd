/**
 * The publisher Lambda, fed by the publish queue (one message per ingest batch that changed feeds): makes the
 * changed feeds fresh in CloudFront, then tells every WebSub hub. It runs apart from ingest, so a hub that is
 * down or hangs never holds an ingest batch back; its own failures go to its dead-letter queue and alarm.
 */

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SQSEvent } from 'aws-lambda';
import { withoutSdkLogging } from '../../shared/clients.js';
import { readPublishConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { publishBatchHandler } from './batch.js';
import { cloudFrontInvalidator } from './invalidate.js';

const config = readPublishConfig();
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'feedbucket',
  serviceName: 'publish',
});
const invalidate = config.distributionId
  ? cloudFrontInvalidator(withoutSdkLogging(new CloudFrontClient({ maxAttempts: 5 })), config.distributionId)
  : undefined;

const run = publishBatchHandler({
  hubs: config.hubs,
  baseUrl: config.publicBaseUrl,
  log: createLogger('publish'),
  invalidate,
  onReport: (report, feeds) => {
    metrics.addMetric('FeedsChanged', MetricUnit.Count, feeds);
    metrics.addMetric('PingsSent', MetricUnit.Count, report.sent);
    metrics.addMetric('PingsDropped', MetricUnit.Count, report.dropped.length);
    metrics.publishStoredMetrics();
  },
});

export const handler = (event: SQSEvent): Promise<void> => run(event);
