/**
 * The ingest Lambda's entry: its settings read once per environment, the handler made by createIngestHandler
 * (create.ts) with the function's clients, logger and metrics.
 */
import { tableAndBucketClients } from '../../shared/clients.js';
import { readEndpoints, readIngestConfig } from '../../shared/config.js';
import { S3Objects } from '../../shared/ingest/objects.js';
import { createLogger } from '../../shared/logger.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import { functionMetrics } from '../metrics.js';
import { sqsChangeSink } from './changes.js';
import { createIngestHandler } from './create.js';

const config = readIngestConfig();
const { dynamo, s3 } = tableAndBucketClients(readEndpoints());

export const handler = createIngestHandler({
  config,
  store: new DynamoStore(dynamo, config.tableName),
  objects: new S3Objects(s3),
  log: createLogger('ingest'),
  metrics: functionMetrics('ingest'),
  announce: config.publishQueueUrl ? sqsChangeSink(config.publishQueueUrl) : undefined,
});
