/**
 * The DynamoDB adapter: the store the cores use, composed of one part per kind of item (dynamodb/: files,
 * rejections, articles, feed entries, feed metadata), over one table whose layout only table-layout.ts knows.
 * A feed page is one Query on the feed's entries; the bodies it shows are read from the articles in one
 * BatchGetItem.
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { EntryPage, FeedEntry, Rejection, TopicMeta } from '../article/model.js';
import type { NameClaim } from '../article/name-claim.js';
import { ArticleItems, largestItemBytes } from './dynamodb/articles.js';
import { EntryItems } from './dynamodb/entries.js';
import { FileItems } from './dynamodb/files.js';
import { RejectionItems } from './dynamodb/rejections.js';
import { Table } from './dynamodb/table.js';
import { TopicItems } from './dynamodb/topics.js';
import { tableDefinition } from './table-layout.js';
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

export { largestItemBytes } from './dynamodb/articles.js';
export { MARSHALL_OPTIONS } from './dynamodb/table.js';
export { TABLE_SCHEMA, tableDefinition } from './table-layout.js';

/** Each method is the one of the part that keeps its kind of item (see dynamodb/). */
export class DynamoStore implements IngestStore, FeedStore, RejectionStore, FileIndex, TopicRecount {
  private readonly files: FileItems;
  private readonly rejections: RejectionItems;
  private readonly articles: ArticleItems;
  private readonly entries: EntryItems;
  private readonly topics: TopicItems;

  constructor(client: DynamoDBClient, tableName: string) {
    const table = new Table(client, tableName);
    this.files = new FileItems(table);
    this.rejections = new RejectionItems(table);
    this.articles = new ArticleItems(table);
    this.entries = new EntryItems(table);
    this.topics = new TopicItems(table);
  }

  largestItemBytes(record: ArticleRecord): number {
    return largestItemBytes(record);
  }

  getFile(key: string): Promise<FileRecord | undefined> {
    return this.files.getFile(key);
  }
  putFile(record: FileRecord, expectSequencer?: string): Promise<boolean> {
    return this.files.putFile(record, expectSequencer);
  }
  getFiles(keys: string[]): Promise<Map<string, FileRecord>> {
    return this.files.getFiles(keys);
  }
  listFiles(): AsyncIterable<FileRecord> {
    return this.files.listFiles();
  }
  listRejections(limit?: number): Promise<Rejection[]> {
    return this.rejections.listRejections(limit);
  }

  getFileAndArticle(key: string, articleId: string): Promise<{ file?: FileRecord; article?: ArticleRecord }> {
    return this.articles.getFileAndArticle(key, articleId);
  }
  getArticle(articleId: string): Promise<ArticleRecord | undefined> {
    return this.articles.getArticle(articleId);
  }
  putArticle(record: ArticleRecord, expectedVersion: number): Promise<void> {
    return this.articles.putArticle(record, expectedVersion);
  }
  deleteArticle(articleId: string, expectedVersion: number): Promise<void> {
    return this.articles.deleteArticle(articleId, expectedVersion);
  }
  getBodies(wanted: BodyRequest[]): Promise<Map<string, string>> {
    return this.articles.getBodies(wanted);
  }

  putEntry(feed: string, position: string, entry: FeedEntry, version: number): Promise<boolean> {
    return this.entries.putEntry(feed, position, entry, version);
  }
  deleteEntry(feed: string, position: string, version: number): Promise<boolean> {
    return this.entries.deleteEntry(feed, position, version);
  }
  queryEntries(feed: string, limit: number, before?: string): Promise<EntryPage> {
    return this.entries.queryEntries(feed, limit, before);
  }
  countEntries(feed: string): Promise<number> {
    return this.entries.countEntries(feed);
  }

  touchTopic(change: TopicChange): Promise<NameClaim | undefined> {
    return this.topics.touchTopic(change);
  }
  replaceName(slug: string, claim: NameClaim, kept: NameClaim): Promise<boolean> {
    return this.topics.replaceName(slug, claim, kept);
  }
  getNameClaim(slug: string): Promise<NameClaim | undefined> {
    return this.topics.getNameClaim(slug);
  }
  setTopicCount(slug: string, count: number, at: string, revision?: number): Promise<boolean> {
    return this.topics.setTopicCount(slug, count, at, revision);
  }
  listTopicSlugs(): Promise<string[]> {
    return this.topics.listTopicSlugs();
  }
  getTopic(slug: string): Promise<TopicMeta | undefined> {
    return this.topics.getTopic(slug);
  }
  getTopics(slugs: string[]): Promise<Map<string, TopicMeta>> {
    return this.topics.getTopics(slugs);
  }
  listTopics(): Promise<TopicMeta[]> {
    return this.topics.listTopics();
  }
  listProviders(): Promise<ProviderMeta[]> {
    return this.topics.listProviders();
  }
}

/**
 * Creates the table if it does not exist yet, and waits until it is ACTIVE: a new table refuses writes with
 * ResourceNotFoundException while it is CREATING (in AWS for seconds; in dynalite for a moment, which a busy
 * machine stretches).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (e) {
    if (!(e instanceof ResourceInUseException || (e as { name?: string })?.name === 'ResourceInUseException'))
      throw e;
  }
  // The first check is at once; then every 50 ms to 1 s.
  await waitUntilTableExists(
    { client, maxWaitTime: 120, minDelay: 0.05, maxDelay: 1 },
    { TableName: tableName },
  );
}
