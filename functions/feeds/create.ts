/**
 * The feeds function, made from its parts (the Lambda entry and the local stack make it alike): the app
 * (shared/feeds/app.ts) over the table, wrapped in the payload 2.0 adapter (lambda.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FeedsConfig } from '../../shared/config.js';
import { createFeedsApp } from '../../shared/feeds/app.js';
import { FEEDS_TIMEOUT_S } from '../../shared/limits.js';
import type { Log } from '../../shared/logger.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import { lambdaHandler } from './lambda.js';

export interface FeedsDeps {
  config: FeedsConfig;
  dynamo: DynamoDBClient;
  log: Log;
  /** The function's time limit when an invocation brings no context (ms); Lambda's by default. */
  timeoutMs?: number;
}

export type FeedsHandler = ReturnType<typeof lambdaHandler>;

export function createFeedsHandler(deps: FeedsDeps): FeedsHandler {
  const { config } = deps;
  return lambdaHandler(
    createFeedsApp({
      store: new DynamoStore(deps.dynamo, config.tableName),
      config,
      log: deps.log,
      cursorKey: `feedbucket cursors ${config.tableName}`,
    }),
    { timeoutMs: deps.timeoutMs ?? FEEDS_TIMEOUT_S * 1000 },
  );
}
