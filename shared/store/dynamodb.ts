/**
 * The DynamoDB adapter: the only module that knows the table's key schema. One table, these item types:
 *
 * | item          | pk               | sk                       | gsi1pk     | gsi1sk        |
 * |---------------|------------------|--------------------------|------------|---------------|
 * | article       | `A#<articleId>`  | `A`                      |            |               |
 * | feed entry    | `F#<feed>`       | `<published>#<articleId>`|            |               |
 * | topic meta    | `T#<slug>`       | `T`                      | `TOPICS`   | `<slug>`      |
 * | file          | `K#<bucket key>`²| `K`                      | `REJECTED`¹| `<at>#<key>`³ |
 *
 * ¹ only while the file's latest version is rejected (a sparse index: listing rejections reads only them).
 * ² `L#<sha256 of the key>` for a key too long for a partition key (none from S3: see fileKey).
 * ³ cut to the 1024 bytes an index sort key holds.
 * `<feed>` is a topic slug or `_all`. A feed page is one Query on `F#<feed>`, newest first, whose cost depends
 * on the page size only. An entry item carries the FeedEntry without its body, compressed, with the entry's
 * whole size (entry-items.ts); the bodies a page shows are read from the articles in one BatchGetItem. So a
 * new article's entries stay small to write, and a 1 MB Query page holds many entries however long the
 * articles are.
 */
import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  QueryCommand,
  ResourceInUseException,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ALL,
  type EntryFacts,
  type EntryPage,
  type FeedEntry,
  type Rejection,
  type TopicMeta,
} from '../article/model.js';
import { providerOfFeed } from '../article/provider-feed.js';
import { ConflictError, isThrottling } from '../errors.js';
import { entryFields, readEntryItem } from './entry-items.js';
import { DYNAMO_LIMITS, itemBytes, marshallItem, truncateUtf8, unstorable, utf8Bytes } from './limits.js';
import { LEGACY_WIDTH } from './sequencer.js';
import type {
  ArticleRecord,
  BodyRequest,
  FeedStore,
  FileIndex,
  FileRecord,
  IngestStore,
  ProviderMeta,
  RejectionStore,
  TopicChange,
  TopicRecount,
} from './types.js';
import { givenBefore, MAX_BODIES_PER_READ, NO_NAME_CLAIM, positionOf } from './types.js';

/** The key schema, shared with the CDK table definition so the two cannot drift. */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  timeToLive: 'expiresAt',
} as const;

/** Claims of a topic's name written meanwhile by others before giving up (each is earlier than the last). */
const MAX_NAME_ATTEMPTS = 20;

/** How long the tombstone of a deleted file is kept to refuse late, older events for its key. */
const TOMBSTONE_SECONDS = 30 * 24 * 3600;

const articleKey = (articleId: string) => ({ pk: `A#${articleId}`, sk: 'A' });
const entryKey = (feed: string, position: string) => ({ pk: `F#${feed}`, sk: position });
const topicKey = (slug: string) => ({ pk: `T#${slug}`, sk: 'T' });
/**
 * An S3 key takes at most 1024 bytes, so `K#<key>` fits a partition key; a longer one (a local bucket may not
 * refuse it) is named by its hash instead, so that its rejection can still be recorded.
 */
const fileKey = (key: string) => {
  const pk = `K#${key}`;
  return pk.length * 3 <= DYNAMO_LIMITS.partitionKeyBytes || utf8Bytes(pk) <= DYNAMO_LIMITS.partitionKeyBytes
    ? { pk, sk: 'K' }
    : { pk: `L#${createHash('sha256').update(key).digest('hex')}`, sk: 'K' };
};

/** What a body read takes of an article item (the read units are the whole item's all the same). */
const BODY_PROJECTION = {
  expression: '#pk, #v, #a.#e.#c',
  names: { '#pk': 'pk', '#v': 'v', '#a': 'article', '#e': 'entry', '#c': 'contentHtml' },
};

const isConditionFailed = (e: unknown) =>
  e instanceof ConditionalCheckFailedException ||
  (e as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Waits between the extra rounds of a topic's count change refused by throttling (see touchTopic). */
const COUNT_THROTTLE_ROUNDS_MS = [250, 1000, 2500];

/**
 * Items are written and read with the low-level client and util-dynamodb's (un)marshalling, not lib-dynamodb's
 * document client: that one refuses `cacheMiddleware` (see shared/clients.ts) and costs about a third more CPU
 * per request (measured against dynalite, client and server together).
 */
type Item = Record<string, AttributeValue>;
/** How items are marshalled; tools that write raw items use the same (document-client.ts, the bench). */
export const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;
const toItem = (value: object): Item => marshallItem(value, MARSHALL_OPTIONS);
const fromItem = <T = Record<string, unknown>>(item: Item): T => unmarshall(item) as T;
/** One map attribute of an item, unmarshalled (without the rest of the item). */
const fieldOf = <T>(item: Item | undefined, name: string): T | undefined => {
  const value = item?.[name];
  return value?.M ? (unmarshall(value.M) as T) : undefined;
};
const hasAttributes = (attributes: Item | undefined) =>
  attributes !== undefined && Object.keys(attributes).length > 0;

const articleItem = (record: ArticleRecord): Item =>
  toItem({ ...articleKey(record.articleId), v: record.version, article: record });
const entryItem = (feed: string, position: string, entry: FeedEntry, version: number): Item =>
  toItem(entryFields(feed, position, entry, version));

/**
 * The size (as DynamoDB counts it) of the largest item that writing this article makes: its record, or one
 * of its feed entries (that of the longest feed name). Measures the items as they are written.
 */
export function largestItemBytes(record: ArticleRecord): number {
  const feeds = [ALL, ...record.entry.topics.map((t) => t.slug)];
  const longest = feeds.reduce((a, b) => (utf8Bytes(b) > utf8Bytes(a) ? b : a));
  try {
    const entry = entryItem(longest, positionOf(record.entry), record.entry, record.version);
    return Math.max(itemBytes(articleItem(record)), itemBytes(entry));
  } catch (e) {
    // A value the marshaller refuses: the write would fail the same way.
    throw unstorable(e) ?? e;
  }
}

interface TopicItem {
  slug: string;
  name: string;
  count?: number;
  revision?: number;
  lastChange?: string;
}

const toMeta = (item: TopicItem): TopicMeta => ({
  slug: item.slug,
  name: item.name,
  count: Number(item.count ?? 0),
  revision: Number(item.revision ?? 0),
  lastChange: item.lastChange ?? new Date(0).toISOString(),
});

export class DynamoStore implements IngestStore, FeedStore, RejectionStore, FileIndex, TopicRecount {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  largestItemBytes(record: ArticleRecord): number {
    return largestItemBytes(record);
  }

  // ---- files ----

  async getFile(key: string): Promise<FileRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(fileKey(key)), ConsistentRead: true }),
    );
    return fieldOf<FileRecord>(Item, 'file');
  }

  async putFile(record: FileRecord, expectSequencer?: string): Promise<boolean> {
    const rejected = record.status === 'rejected';
    const expires =
      record.status === 'deleted' ? Math.floor(Date.parse(record.at) / 1000) + TOMBSTONE_SECONDS : undefined;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            ...fileKey(record.key),
            seq: record.sequencer,
            file: record,
            gsi1pk: rejected ? 'REJECTED' : undefined,
            // An index sort key holds 1024 bytes: a long key is cut (the record keeps it whole).
            gsi1sk: rejected
              ? truncateUtf8(`${record.at}#${record.key}`, DYNAMO_LIMITS.sortKeyBytes)
              : undefined,
            expiresAt: expires,
          }),
          // A legacy (left-padded) sequencer does not compare with the stored form: only `= :read` replaces it.
          ConditionExpression: `attribute_not_exists(pk) OR (size(seq) <> :legacyWidth AND seq < :seq)${
            expectSequencer === undefined ? '' : ' OR seq = :read'
          }`,
          ExpressionAttributeValues: toItem({
            ':seq': record.sequencer,
            ':legacyWidth': LEGACY_WIDTH,
            ':read': expectSequencer,
          }),
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw unstorable(e) ?? e;
    }
  }

  async getFiles(keys: string[]): Promise<Map<string, FileRecord>> {
    const out = new Map<string, FileRecord>();
    for await (const item of this.batchGet(keys.map(fileKey))) {
      const file = fieldOf<FileRecord>(item, 'file');
      if (file) out.set(file.key, file);
    }
    return out;
  }

  async *listFiles(): AsyncIterable<FileRecord> {
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :k',
          ExpressionAttributeValues: toItem({ ':k': 'K' }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const file = fieldOf<FileRecord>(item, 'file');
        if (file) yield file;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async listRejections(limit = 1000): Promise<Rejection[]> {
    const out: Rejection[] = [];
    for await (const item of this.indexPartition('REJECTED', { newestFirst: true })) {
      const f = item.file as FileRecord;
      out.push({ key: f.key, reason: f.reason ?? 'rejected', at: f.at });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every item of one partition of the index (TOPICS or REJECTED), page by page. */
  private async *indexPartition(
    partition: string,
    options: { newestFirst?: boolean; projection?: string } = {},
  ): AsyncIterable<Record<string, unknown>> {
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: TABLE_SCHEMA.gsi1.indexName,
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: toItem({ ':p': partition }),
          ScanIndexForward: !options.newestFirst,
          ProjectionExpression: options.projection,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) yield fromItem(item);
      start = page.LastEvaluatedKey;
    } while (start);
  }

  // ---- articles ----

  async getFileAndArticle(
    key: string,
    articleId: string,
  ): Promise<{ file?: FileRecord; article?: ArticleRecord }> {
    const out: { file?: FileRecord; article?: ArticleRecord } = {};
    for await (const item of this.batchGet([fileKey(key), articleKey(articleId)], true)) {
      if (item.sk?.S === 'K') out.file = fieldOf<FileRecord>(item, 'file');
      else out.article = fieldOf<ArticleRecord>(item, 'article');
    }
    return out;
  }

  async getArticle(articleId: string): Promise<ArticleRecord | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: toItem(articleKey(articleId)),
        ConsistentRead: true,
      }),
    );
    return fieldOf<ArticleRecord>(Item, 'article');
  }

  async putArticle(record: ArticleRecord, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: articleItem(record),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'v = :v',
          ExpressionAttributeValues: expectedVersion === 0 ? undefined : toItem({ ':v': expectedVersion }),
        }),
      );
    } catch (e) {
      if (isConditionFailed(e)) throw new ConflictError(`article ${record.articleId} changed concurrently`);
      throw unstorable(e) ?? e;
    }
  }

  async deleteArticle(articleId: string, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: toItem(articleKey(articleId)),
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: toItem({ ':v': expectedVersion }),
        }),
      );
    } catch (e) {
      if (isConditionFailed(e)) throw new ConflictError(`article ${articleId} changed concurrently`);
      throw e;
    }
  }

  // ---- feed entries ----

  async putEntry(feed: string, position: string, entry: FeedEntry, version: number): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: entryItem(feed, position, entry, version),
          ConditionExpression: 'attribute_not_exists(pk) OR v <= :v',
          ExpressionAttributeValues: toItem({ ':v': version }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return !hasAttributes(Attributes);
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw unstorable(e) ?? e;
    }
  }

  async deleteEntry(feed: string, position: string, version: number): Promise<boolean> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: toItem(entryKey(feed, position)),
          ConditionExpression: 'attribute_not_exists(pk) OR v <= :v',
          ExpressionAttributeValues: toItem({ ':v': version }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return hasAttributes(Attributes);
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async queryEntries(feed: string, limit: number, before?: string): Promise<EntryPage> {
    const { Items, LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: before === undefined ? 'pk = :p' : 'pk = :p AND sk < :b',
        ExpressionAttributeValues: toItem(
          before === undefined ? { ':p': `F#${feed}` } : { ':p': `F#${feed}`, ':b': before },
        ),
        ScanIndexForward: false,
        // One more than asked: it tells whether a next page exists without a second request.
        Limit: limit + 1,
        // Ingest writes entries before it bumps the topic's revision; the feeds read the revision, then
        // the entries, and cache the page under that revision. A consistent read cannot miss an entry the
        // revision already counts (only cache misses query, so the doubled read cost is rare).
        ConsistentRead: true,
      }),
    );
    const items = Items ?? [];
    // DynamoDB ends a Query page at 1 MB read: LastEvaluatedKey then says more may follow, however few came.
    const more = items.length > limit || LastEvaluatedKey !== undefined;
    const page = items.slice(0, limit);
    const entries: FeedEntry[] = [];
    const facts: EntryFacts[] = [];
    for (const item of page) {
      const read = readEntryItem(item);
      entries.push(read.entry);
      facts.push(read.facts);
    }
    return { entries, facts, next: more ? facts[facts.length - 1]?.position : undefined };
  }

  async getBodies(wanted: BodyRequest[]): Promise<Map<string, string>> {
    if (wanted.length > MAX_BODIES_PER_READ) {
      throw new RangeError(`at most ${MAX_BODIES_PER_READ} bodies a read, ${wanted.length} asked`);
    }
    const out = new Map<string, string>();
    const versions = new Map(wanted.map((w) => [w.articleId, w.version]));
    // Eventually consistent (half the read units): a copy older than the entry's version, or one that does
    // not have the article yet, is read again strongly consistent, so a body is never older than its entry.
    const read = async (ids: string[], consistent: boolean) => {
      const stale: string[] = [];
      const seen = new Set<string>();
      for await (const item of this.batchGet(ids.map(articleKey), consistent, BODY_PROJECTION)) {
        const id = (item.pk?.S ?? '').slice(2);
        seen.add(id);
        if (!consistent && Number(item.v?.N ?? 0) < (versions.get(id) ?? 0)) {
          stale.push(id);
          continue;
        }
        out.set(id, item.article?.M?.entry?.M?.contentHtml?.S ?? '');
      }
      return consistent ? [] : [...stale, ...ids.filter((id) => !seen.has(id))];
    };
    const again = await read([...versions.keys()], false);
    if (again.length > 0) await read(again, true);
    return out;
  }

  // ---- topics ----

  async touchTopic(change: TopicChange): Promise<void> {
    const listed = change.slug !== ALL;
    const index = providerOfFeed(change.slug) === undefined ? 'TOPICS' : 'PROVIDERS';
    const givenAt = change.nameGivenAt ?? NO_NAME_CLAIM;
    const update = new UpdateItemCommand({
      TableName: this.tableName,
      Key: toItem(topicKey(change.slug)),
      UpdateExpression: `SET #name = if_not_exists(#name, :name), nameAt = if_not_exists(nameAt, :nameAt), slug = :slug, lastChange = :at${
        listed ? ', gsi1pk = :g, gsi1sk = :slug' : ''
      } ADD #count :d, revision :one`,
      ExpressionAttributeNames: { '#name': 'name', '#count': 'count' },
      ExpressionAttributeValues: toItem({
        ':name': change.name,
        ':nameAt': givenAt,
        ':slug': change.slug,
        ':at': change.at,
        ':d': change.countDelta,
        ':one': 1,
        ...(listed ? { ':g': index } : {}),
      }),
      ReturnValues: 'ALL_NEW',
    });
    // A count change follows an entry write that a redelivered event cannot redo (it finds the entry there and
    // counts nothing), so a refusal by throttling, of which DynamoDB applies nothing, is tried again here beyond
    // the SDK's attempts. Other failures go to the caller: an ADD that timed out may have been applied.
    let Attributes: Item | undefined;
    for (let round = 0; ; round++) {
      try {
        ({ Attributes } = await this.client.send(update));
        break;
      } catch (e) {
        const wait = COUNT_THROTTLE_ROUNDS_MS[round];
        if (change.countDelta === 0 || wait === undefined || !isThrottling(e)) throw e;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    type Claim = { name?: string; nameAt?: string } | undefined;
    const claimOf = (item: Item | undefined): Claim => item && { name: item.name?.S, nameAt: item.nameAt?.S };
    let kept = claimOf(Attributes);
    // This claim may have been given before the one kept (its event was applied later): then it takes the
    // name and its time, even when the spelling is the kept one (else a spelling given between the two times
    // would win when it came next). Which claim is first is decided here, by givenBefore, and written only
    // over the claim it was compared with: the table's own string order is not relied on (dynalite compares
    // strings as UTF-16 units, DynamoDB as UTF-8 bytes). Rare: only when claims meet out of order.
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      if (kept?.name === undefined || kept.nameAt === undefined) return;
      if (!givenBefore(givenAt, change.name, kept.nameAt, kept.name)) return;
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: toItem(topicKey(change.slug)),
            // The revision is bumped even when the spelling is the same: another may have been written
            // meanwhile, and this puts the name back.
            UpdateExpression: 'SET #name = :name, nameAt = :nameAt ADD revision :one',
            ConditionExpression: '#name = :keptName AND nameAt = :keptAt',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: toItem({
              ':name': change.name,
              ':nameAt': givenAt,
              ':keptName': kept.name,
              ':keptAt': kept.nameAt,
              ':one': 1,
            }),
          }),
        );
        return;
      } catch (e) {
        if (!isConditionFailed(e)) throw e;
      }
      // Another claim was kept meanwhile (each one earlier than the last): compare with it.
      const { Item } = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: toItem(topicKey(change.slug)),
          ConsistentRead: true,
          ProjectionExpression: '#name, nameAt',
          ExpressionAttributeNames: { '#name': 'name' },
        }),
      );
      kept = claimOf(Item);
    }
    throw new ConflictError(`topic ${change.slug}: its name kept changing; will retry`);
  }

  async listTopicSlugs(): Promise<string[]> {
    const slugs = [ALL];
    for (const partition of ['TOPICS', 'PROVIDERS']) {
      for await (const item of this.indexPartition(partition, { projection: 'slug' }))
        slugs.push(String(item.slug));
    }
    return slugs;
  }

  async countEntries(feed: string): Promise<number> {
    let total = 0;
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: toItem({ ':p': `F#${feed}` }),
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return total;
  }

  async setTopicCount(slug: string, count: number, at: string, revision?: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: toItem(topicKey(slug)),
          UpdateExpression: 'SET #count = :c, lastChange = :at ADD revision :one',
          ConditionExpression: `attribute_exists(pk) AND #count <> :c${revision === undefined ? '' : ' AND revision = :rev'}`,
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: toItem({
            ':c': count,
            ':at': at,
            ':one': 1,
            ...(revision === undefined ? {} : { ':rev': revision }),
          }),
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async getTopic(slug: string): Promise<TopicMeta | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: toItem(topicKey(slug)) }),
    );
    return Item ? toMeta(fromItem<TopicItem>(Item)) : undefined;
  }

  async getTopics(slugs: string[]): Promise<Map<string, TopicMeta>> {
    const out = new Map<string, TopicMeta>();
    for await (const item of this.batchGet(slugs.map(topicKey))) {
      const meta = toMeta(fromItem<TopicItem>(item));
      out.set(meta.slug, meta);
    }
    return out;
  }

  /** Items by key, 100 a request (BatchGetItem), unprocessed keys retried; duplicates asked once. */
  private async *batchGet(
    keys: { pk: string; sk: string }[],
    consistent = false,
    projection?: { expression: string; names: Record<string, string> },
  ): AsyncIterable<Item> {
    let left = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()].map(toItem);
    while (left.length > 0) {
      const chunk = left.slice(0, 100);
      left = left.slice(100);
      let request: Record<string, KeysAndAttributes> | undefined = {
        [this.tableName]: {
          Keys: chunk,
          ConsistentRead: consistent || undefined,
          ProjectionExpression: projection?.expression,
          ExpressionAttributeNames: projection?.names,
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const res = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        yield* res.Responses?.[this.tableName] ?? [];
        request = res.UnprocessedKeys as typeof request;
      }
    }
  }

  async listTopics(): Promise<TopicMeta[]> {
    const out: TopicMeta[] = [];
    for await (const item of this.indexPartition('TOPICS')) {
      const meta = toMeta(item as unknown as TopicItem);
      if (meta.count > 0) out.push(meta);
    }
    return out;
  }

  async listProviders(): Promise<ProviderMeta[]> {
    const out: ProviderMeta[] = [];
    for await (const item of this.indexPartition('PROVIDERS')) {
      const meta = toMeta(item as unknown as TopicItem);
      const domain = providerOfFeed(meta.slug);
      if (meta.count > 0 && domain !== undefined) out.push({ ...meta, domain });
    }
    return out;
  }
}

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

/** Creates the table if it does not exist yet. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (e) {
    if (e instanceof ResourceInUseException || (e as { name?: string })?.name === 'ResourceInUseException')
      return;
    throw e;
  }
}
