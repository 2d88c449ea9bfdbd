/**
 * The feeds Lambda entry point: configuration, store and logger made once per process, the app wrapped in
 * the payload 2.0 adapter (lambda.ts). The app itself is in app.ts.
 */
import { dynamoClient } from '../../shared/clients.js';
import { readFeedsConfig } from '../../shared/config.js';
import { createFeedsApp } from '../../shared/feeds/app.js';
import { FEEDS_SDK_BUDGET, FEEDS_TIMEOUT_S } from '../../shared/limits.js';
import { createLogger } from '../../shared/logger.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import { lambdaHandler } from './lambda.js';

export { createFeedsApp } from '../../shared/feeds/app.js';
export { lambdaHandler } from './lambda.js';

const config = readFeedsConfig();

export const handler = lambdaHandler(
  createFeedsApp({
    store: new DynamoStore(dynamoClient(process.env, FEEDS_SDK_BUDGET), config.tableName),
    config,
    log: createLogger('feeds'),
    cursorKey: `feedbucket cursors ${config.tableName}`,
  }),
  { timeoutMs: FEEDS_TIMEOUT_S * 1000 },
);
