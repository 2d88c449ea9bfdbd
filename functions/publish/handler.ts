/**
 * The publisher Lambda, fed by the publish queue (one message per ingest batch that changed feeds): makes the
 * changed feeds fresh in CloudFront, then tells every WebSub hub. It runs apart from ingest, so a hub that is
 * down or hangs never holds an ingest batch back; its own failures go to its dead-letter queue and alarm.
 * This entry reads the settings once per environment and makes the handler with createPublishHandler.
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SQSEvent } from 'aws-lambda';
import { withoutSdkLogging } from '../../shared/clients.js';
import { readPublishConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { functionMetrics } from '../metrics.js';
import { createPublishHandler } from './create.js';
import { cloudFrontInvalidator } from './invalidate.js';

const config = readPublishConfig();

const run = createPublishHandler({
  config,
  log: createLogger('publish'),
  metrics: functionMetrics('publish'),
  invalidate: config.distributionId
    ? cloudFrontInvalidator(
        withoutSdkLogging(new CloudFrontClient({ maxAttempts: 5 })),
        config.distributionId,
      )
    : undefined,
});

export const handler = (event: SQSEvent): Promise<void> => run(event);
