/**
 * lib-dynamodb's document client over a DynamoDB client, with the adapter's marshalling options: for tools that
 * read or write raw items (tests, the bench, the reliability checks). The functions do not use
 * it (see dynamodb.ts): it refuses clients created with `cacheMiddleware`, which the functions' clients are.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MARSHALL_OPTIONS } from './dynamodb.js';

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { ...MARSHALL_OPTIONS } });
}
