/**
 * The feeds Lambda's entry: its settings read once per environment, the handler made by createFeedsHandler
 * (create.ts) with the function's DynamoDB client (the feeds' SDK budget) and logger.
 */
import { dynamoClient } from '../../shared/clients.js';
import { readEndpoints, readFeedsConfig } from '../../shared/config.js';
import { FEEDS_SDK_BUDGET } from '../../shared/limits.js';
import { createLogger } from '../../shared/logger.js';
import { createFeedsHandler } from './create.js';

const config = readFeedsConfig();

export const handler = createFeedsHandler({
  config,
  dynamo: dynamoClient({ endpoint: readEndpoints().dynamo }, FEEDS_SDK_BUDGET),
  log: createLogger('feeds'),
});
