/**
 * AWS SDK clients, made by the functions' entries (once per environment) and by the local stack (for its own
 * servers). In AWS they use the function's role and region; `endpoint` points them elsewhere (the local
 * servers; configuration, not a code branch), and `region` and `credentials` are given only there.
 * DynamoDB: `cacheMiddleware`, each command class's middleware stack resolved once, not on every request (the
 * SDK's throughput option; our commands add no per-request middleware). Not for S3: with it, two GetObject
 * requests in flight at once for different buckets were both sent to one of the buckets (SDK 3.1169, checked
 * against s3rver); ingest makes one S3 request per file, so there is little to gain there anyway.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { INGEST_SDK_BUDGET, type SdkBudget } from './limits.js';

/** Where a client sends its requests, and as whom: all from the environment and role in AWS. */
export interface ClientTarget {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

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

/** A DynamoDB client with `budget` (the function's). */
export function dynamoClient(
  target: ClientTarget = {},
  budget: SdkBudget = INGEST_SDK_BUDGET,
): DynamoDBClient {
  return withoutSdkLogging(
    new DynamoDBClient({
      endpoint: target.endpoint,
      region: target.region,
      credentials: target.credentials,
      ...budgetOptions(budget),
      cacheMiddleware: true,
    }),
  );
}

export function s3Client(target: ClientTarget = {}, budget: SdkBudget = INGEST_SDK_BUDGET): S3Client {
  return withoutSdkLogging(
    new S3Client({
      endpoint: target.endpoint,
      region: target.region,
      credentials: target.credentials,
      forcePathStyle: Boolean(target.endpoint),
      // S3-compatible servers (s3rver) store aws-chunked framing inside streamed bodies otherwise.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...budgetOptions(budget),
    }),
  );
}

/** The DynamoDB and S3 clients of a function that reads the bucket and writes the table (ingest, reconcile). */
export function tableAndBucketClients(
  endpoints: { dynamo?: string; s3?: string },
  target: Omit<ClientTarget, 'endpoint'> = {},
): { dynamo: DynamoDBClient; s3: S3Client } {
  return {
    dynamo: dynamoClient({ ...target, endpoint: endpoints.dynamo }),
    s3: s3Client({ ...target, endpoint: endpoints.s3 }),
  };
}
