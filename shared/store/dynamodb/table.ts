/**
 * What the DynamoDB adapter's parts share: the client and table name, (un)marshalling, reads by key in
 * batches, reads of an index partition, and how a refused condition looks.
 *
 * Items are written and read with the low-level client and util-dynamodb's (un)marshalling, not lib-dynamodb's
 * document client: that one refuses `cacheMiddleware` (see shared/clients.ts) and costs about a third more CPU
 * per request (measured against dynalite, client and server together).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  type KeysAndAttributes,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { marshallItem } from '../limits.js';
import { type ItemKey, indexRange } from '../table-layout.js';

export type Item = Record<string, AttributeValue>;

/** How items are marshalled; tools that write raw items use the same (document-client.ts, the bench). */
export const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;
export const toItem = (value: object): Item => marshallItem(value, MARSHALL_OPTIONS);
export const fromItem = <T = Record<string, unknown>>(item: Item): T => unmarshall(item) as T;
/** One map attribute of an item, unmarshalled (without the rest of the item). */
export const fieldOf = <T>(item: Item | undefined, name: string): T | undefined => {
  const value = item?.[name];
  return value?.M ? (unmarshall(value.M) as T) : undefined;
};
export const hasAttributes = (attributes: Item | undefined): boolean =>
  attributes !== undefined && Object.keys(attributes).length > 0;

export const isConditionFailed = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException ||
  (e as { name?: string })?.name === 'ConditionalCheckFailedException';

export interface Projection {
  expression: string;
  names: Record<string, string>;
}

/** The table the adapter's parts send their requests to. */
export class Table {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
  ) {}

  /** Items by key, 100 a request (BatchGetItem), unprocessed keys retried; duplicates asked once. */
  async *batchGet(keys: ItemKey[], consistent = false, projection?: Projection): AsyncIterable<Item> {
    let left = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()].map(toItem);
    while (left.length > 0) {
      const chunk = left.slice(0, 100);
      left = left.slice(100);
      let request: Record<string, KeysAndAttributes> | undefined = {
        [this.name]: {
          Keys: chunk,
          ConsistentRead: consistent || undefined,
          ProjectionExpression: projection?.expression,
          ExpressionAttributeNames: projection?.names,
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const res = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        yield* res.Responses?.[this.name] ?? [];
        request = res.UnprocessedKeys as typeof request;
      }
    }
  }

  /** Every item of one partition of the index (see INDEX), page by page. */
  async *indexPartition(
    partition: string,
    options: { newestFirst?: boolean; projection?: string } = {},
  ): AsyncIterable<Record<string, unknown>> {
    const range = indexRange(partition);
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.name,
          IndexName: range.IndexName,
          KeyConditionExpression: range.KeyConditionExpression,
          ExpressionAttributeValues: toItem(range.values),
          ScanIndexForward: !options.newestFirst,
          ProjectionExpression: options.projection,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) yield fromItem(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
