/**
 * The table's layout: the only code of the store that knows its key schema, key formats, prefixes and index
 * partitions. One table, these item types:
 *
 * | item          | pk               | sk                       | gsi1pk        | gsi1sk        |
 * |---------------|------------------|--------------------------|---------------|---------------|
 * | article       | `A#<articleId>`  | `A`                      |               |               |
 * | feed entry    | `F#<feed>`       | `<published>#<articleId>`|               |               |
 * | feed meta     | `T#<feed>`       | `T`                      | `TOPICS`⁴     | `<feed>`      |
 * | file          | `K#<bucket key>`²| `K`                      | `REJECTED`¹   | `<at>#<key>`³ |
 *
 * ¹ only while the file's latest version is rejected (a sparse index: listing rejections reads only them).
 * ² `L#<sha256 of the key>` for a key too long for a partition key (none from S3: see fileKey).
 * ³ cut to the 1024 bytes an index sort key holds.
 * ⁴ `PROVIDERS` for a provider's feed (`_p:<domain>`); none for ALL (`_all`).
 * `<feed>` is a topic slug, `_all` or a provider's `_p:<domain>`. A feed page is one Query on `F#<feed>`,
 * newest first, whose cost depends on the page size only.
 */
import { createHash } from 'node:crypto';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ALL } from '../article/model.js';
import { providerOfFeed } from '../article/provider-feed.js';
import { DYNAMO_LIMITS, truncateUtf8, utf8Bytes } from './limits.js';

/** The key schema, shared with the CDK table definition so the two cannot drift. */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  timeToLive: 'expiresAt',
} as const;

export interface ItemKey {
  pk: string;
  sk: string;
}

const ARTICLE = 'A';
const FILE = 'K';
const FEED_META = 'T';

export const articleKey = (articleId: string): ItemKey => ({ pk: `${ARTICLE}#${articleId}`, sk: ARTICLE });
/** The article id of an article item's partition key. */
export const articleIdOf = (pk: string): string => pk.slice(ARTICLE.length + 1);

/** The partition of a feed's entries. */
export const entryPartition = (feed: string): string => `F#${feed}`;
export const entryKey = (feed: string, position: string): ItemKey => ({
  pk: entryPartition(feed),
  sk: position,
});

export const topicKey = (slug: string): ItemKey => ({ pk: `${FEED_META}#${slug}`, sk: FEED_META });

/**
 * An S3 key takes at most 1024 bytes, so `K#<key>` fits a partition key; a longer one (a local bucket may not
 * refuse it) is named by its hash instead, so that its rejection can still be recorded.
 */
export const fileKey = (key: string): ItemKey => {
  const pk = `${FILE}#${key}`;
  return pk.length * 3 <= DYNAMO_LIMITS.partitionKeyBytes || utf8Bytes(pk) <= DYNAMO_LIMITS.partitionKeyBytes
    ? { pk, sk: FILE }
    : { pk: `L#${createHash('sha256').update(key).digest('hex')}`, sk: FILE };
};
/** Whether an item (by its sort key) is a file record. */
export const isFileSortKey = (sk: string | undefined): boolean => sk === FILE;

/** The partitions of the index: listed topics, listed providers, rejected files. */
export const INDEX = { topics: 'TOPICS', providers: 'PROVIDERS', rejected: 'REJECTED' } as const;

/** The index key of a feed's metadata: topics and providers are listed apart; ALL is not listed. */
export const feedIndexKey = (feed: string): { gsi1pk: string; gsi1sk: string } | undefined =>
  feed === ALL
    ? undefined
    : { gsi1pk: providerOfFeed(feed) === undefined ? INDEX.topics : INDEX.providers, gsi1sk: feed };

/** The index key of a rejected file (newest first by time); an index sort key holds 1024 bytes, so a long one is cut. */
export const rejectedIndexKey = (at: string, key: string) => ({
  gsi1pk: INDEX.rejected,
  gsi1sk: truncateUtf8(`${at}#${key}`, DYNAMO_LIMITS.sortKeyBytes),
});

/** The table as CreateTable input: used by the local stack and integration tests (CDK mirrors TABLE_SCHEMA). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, gsi1 } = TABLE_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: gsi1.partitionKey, AttributeType: 'S' },
      { AttributeName: gsi1.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: gsi1.indexName,
        KeySchema: [
          { AttributeName: gsi1.partitionKey, KeyType: 'HASH' },
          { AttributeName: gsi1.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** A condition that holds only when no item has the key written (a put that must create). */
export const ITEM_ABSENT = `attribute_not_exists(${TABLE_SCHEMA.partitionKey})`;
/** A condition that holds only when the item exists (an update that must not create). */
export const ITEM_PRESENT = `attribute_exists(${TABLE_SCHEMA.partitionKey})`;

/** The key condition of a page of a feed's entries: all of them, or those before a position. */
export const entryRange = (feed: string, before?: string) => ({
  KeyConditionExpression: `${TABLE_SCHEMA.partitionKey} = :p${before === undefined ? '' : ` AND ${TABLE_SCHEMA.sortKey} < :b`}`,
  values:
    before === undefined ? { ':p': entryPartition(feed) } : { ':p': entryPartition(feed), ':b': before },
});

/** The key condition of one partition of the index. */
export const indexRange = (partition: string) => ({
  IndexName: TABLE_SCHEMA.gsi1.indexName,
  KeyConditionExpression: `${TABLE_SCHEMA.gsi1.partitionKey} = :p`,
  values: { ':p': partition },
});

/** The filter of a scan that keeps file records only. */
export const FILE_FILTER = { FilterExpression: `${TABLE_SCHEMA.sortKey} = :k`, values: { ':k': FILE } };

/** The kinds of item, by partition key: for tools that read raw items (dumps, sizing). */
export type ItemKind = 'article' | 'entry' | 'feed' | 'file';

/** What an item is, by its partition key, with the feed of an entry or of feed metadata. */
export function itemOf(pk: string): { kind: ItemKind; feed?: string } | undefined {
  const [prefix] = pk.split('#', 1);
  const rest = pk.slice((prefix?.length ?? 0) + 1);
  if (prefix === ARTICLE) return { kind: 'article' };
  if (prefix === 'F') return { kind: 'entry', feed: rest };
  if (prefix === FEED_META) return { kind: 'feed', feed: rest };
  if (prefix === FILE || prefix === 'L') return { kind: 'file' };
  return undefined;
}
