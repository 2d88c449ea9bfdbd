/**
 * AWS SDK clients, created once per process. In AWS they use the function's role and region; the local
 * stack points them at its servers with DYNAMODB_ENDPOINT and S3_ENDPOINT (configuration, not a code branch).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

type Env = Record<string, string | undefined>;

let dynamo: DynamoDBClient | undefined;
let s3: S3Client | undefined;

export function dynamoClient(env: Env = process.env): DynamoDBClient {
  dynamo ??= new DynamoDBClient({
    endpoint: env.DYNAMODB_ENDPOINT || undefined,
    maxAttempts: 8,
  });
  return dynamo;
}

export function s3Client(env: Env = process.env): S3Client {
  s3 ??= new S3Client({
    endpoint: env.S3_ENDPOINT || undefined,
    forcePathStyle: Boolean(env.S3_ENDPOINT),
    // S3-compatible servers (s3rver) store aws-chunked framing inside streamed bodies otherwise.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 8,
  });
  return s3;
}
