/**
 * AWS SDK clients, created once per process. In AWS they use the function's role and region; the local
 * stack points them at its servers with DYNAMODB_ENDPOINT and S3_ENDPOINT (configuration, not a code branch).
 * DynamoDB: `cacheMiddleware`, each command class's middleware stack resolved once, not on every request (the
 * SDK's throughput option; our commands add no per-request middleware). Not for S3: with it, two GetObject
 * requests in flight at once for different buckets were both sent to one of the buckets (SDK 3.1169, checked
 * against s3rver); ingest makes one S3 request per file, so there is little to gain there anyway.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { INGEST_SDK_BUDGET, type SdkBudget } from './limits.js';

type Env = Record<string, string | undefined>;

let dynamo: DynamoDBClient | undefined;
let s3: S3Client | undefined;

/**
 * The SDK's logger middleware filters every request's input and response for sensitive fields before it calls
 * the logger, even the default one that prints nothing: for us, walking each article written or read. We give
 * the SDK no logger (failures reach our own logs as errors), so that work goes.
 */
export function withoutSdkLogging<C extends { middlewareStack: { remove(name: string): boolean } }>(
  client: C,
): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/**
 * A budget as SDK client settings: the SDK's standard retry strategy with fewer attempts (its back-off is
 * bounded by them), and each attempt cut at its request timeout (a TimeoutError, which the SDK retries).
 */
export function budgetOptions(budget: SdkBudget) {
  return {
    maxAttempts: budget.maxAttempts,
    requestHandler: {
      requestTimeout: budget.requestTimeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: budget.connectionTimeoutMs,
    },
  };
}

/** The DynamoDB client of this process, made with the budget of the function that first asks for it. */
export function dynamoClient(env: Env = process.env, budget: SdkBudget = INGEST_SDK_BUDGET): DynamoDBClient {
  dynamo ??= withoutSdkLogging(
    new DynamoDBClient({
      endpoint: env.DYNAMODB_ENDPOINT || undefined,
      ...budgetOptions(budget),
      cacheMiddleware: true,
    }),
  );
  return dynamo;
}

export function s3Client(env: Env = process.env, budget: SdkBudget = INGEST_SDK_BUDGET): S3Client {
  s3 ??= withoutSdkLogging(
    new S3Client({
      endpoint: env.S3_ENDPOINT || undefined,
      forcePathStyle: Boolean(env.S3_ENDPOINT),
      // S3-compatible servers (s3rver) store aws-chunked framing inside streamed bodies otherwise.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...budgetOptions(budget),
    }),
  );
  return s3;
}
