/**
 * Narrow interfaces between the cores and storage. The DynamoDB adapter (dynamodb.ts, over the layout in
 * table-layout.ts) and memory.ts, a fake for unit tests, keep the same contract: one suite runs against both.
 */
import type { EntryPage, FeedEntry, Rejection, TopicMeta, TopicRef } from '../article/model.js';
import type { NameClaim } from '../article/name-claim.js';

/** What the store remembers about one bucket key. */
export interface FileRecord {
  key: string;
  /**
   * The S3 sequencer of the last event applied, in the stored form of `storedSequencer` (or, in records written
   * before S3's ordering rule was followed, left-padded to 32); '' when none yet.
   */
  sequencer: string;
  /** The S3 ETag of the content last applied (reconciliation skips unchanged objects). */
  eTag?: string;
  /** The article this file carries (kept when a later version of the file is rejected). */
  articleId?: string;
  status: 'ok' | 'rejected' | 'deleted';
  reason?: string;
  /** ISO time of the last status change. */
  at: string;
  /** Which parser version produced this state (reindex re-applies older ones). */
  parser?: number;
}

/** An article as stored: the entry feeds show plus what ingest needs to stay idempotent. */
export interface ArticleRecord {
  articleId: string;
  canonicalUrl: string;
  published: boolean;
  entry: FeedEntry;
  /** Every bucket key that carries this link, with the time of its last applied upload (S3 LastModified). */
  files: Record<string, string>;
  /** The key whose content is shown (the latest upload wins). */
  sourceKey: string;
  sourceTime: string;
  /** Optimistic-concurrency version; every write increments it. */
  version: number;
  /**
   * Feed positions the article may still occupy from earlier versions, until fan-out has removed them.
   * Present only while a fan-out is pending (crash-safe: a redelivered event finishes the work).
   */
  stale?: FeedPosition[];
  pending?: boolean;
}

/** Where an article sits in a feed: the feed's slug (a topic or ALL) and its sort position. */
export interface FeedPosition {
  feed: string;
  position: string;
}

export interface TopicChange {
  /** The feed: a topic's slug, ALL, a provider's feed id. */
  slug: string;
  /**
   * The feed's name as this change spells it. It names the feed if the feed has none yet (the first claim
   * written); which claim is kept after that is the ingest core's rule (name-claim.ts), over replaceName.
   */
  name: string;
  /** When this spelling was given (S3 LastModified of the upload carrying it); absent: no claim. */
  nameGivenAt?: string;
  /** +1, -1 or 0 articles. */
  countDelta: number;
  /** ISO time of the change. */
  at: string;
}

/** Everything ingest reads and writes. Each method is one request (or one batch) against the store. */
export interface IngestStore {
  getFile(key: string): Promise<FileRecord | undefined>;
  /**
   * Writes the file record only if the stored one is older: it is still the one read, whose sequencer was
   * `expectSequencer` (the caller compared that one with S3's rule, legacy forms included), or its sequencer is
   * in the stored form and below `record.sequencer`. Returns false when a newer event got there first.
   */
  putFile(record: FileRecord, expectSequencer?: string): Promise<boolean>;

  getArticle(articleId: string): Promise<ArticleRecord | undefined>;
  /** Both records in one strongly consistent request (what an event for a new version reads first). */
  getFileAndArticle(key: string, articleId: string): Promise<{ file?: FileRecord; article?: ArticleRecord }>;
  /** Writes if the stored version is `expectedVersion` (0: must not exist). Throws ConflictError otherwise. */
  putArticle(record: ArticleRecord, expectedVersion: number): Promise<void>;
  /** Deletes if the stored version is `expectedVersion`. Throws ConflictError otherwise. */
  deleteArticle(articleId: string, expectedVersion: number): Promise<void>;

  /**
   * Puts the entry at its position in a feed unless a newer version is there. Returns true when the
   * position was empty before (the feed gained an article).
   */
  putEntry(feed: string, position: string, entry: FeedEntry, version: number): Promise<boolean>;
  /** Removes the entry unless a newer version is there. Returns true when something was removed. */
  deleteEntry(feed: string, position: string, version: number): Promise<boolean>;

  /**
   * Atomically adds to the feed's count, bumps its revision and last change; creates it if new, named by the
   * change (its claim: `nameGivenAt`, else NO_NAME_CLAIM). Returns the name claim the feed keeps now.
   */
  touchTopic(change: TopicChange): Promise<NameClaim | undefined>;
  /**
   * Replaces the feed's name claim by `claim` and bumps its revision, only if the claim kept is still `kept`
   * (one conditional write). Returns whether it did. The store does not judge which claim is earlier.
   */
  replaceName(slug: string, claim: NameClaim, kept: NameClaim): Promise<boolean>;
  /** The name claim a feed keeps now (a strongly consistent read); undefined when it has none. */
  getNameClaim(slug: string): Promise<NameClaim | undefined>;

  /**
   * The size, in bytes as DynamoDB counts them, of the largest item that writing this article makes (no
   * request): what must fit DYNAMO_LIMITS.itemBytes. Throws InvalidArticleError for a value that cannot be
   * written at all; a write the store refuses for its content throws it too.
   */
  largestItemBytes(record: ArticleRecord): number;
}

/** Everything the feeds read. */
export interface FeedStore {
  getTopic(slug: string): Promise<TopicMeta | undefined>;
  /** Metadata of several topics in one batch; missing ones are absent from the map. */
  getTopics(slugs: string[]): Promise<Map<string, TopicMeta>>;
  /** Every user topic (not ALL, not a provider) with at least one article, by slug. Does not read articles. */
  listTopics(): Promise<TopicMeta[]>;
  /**
   * Every provider with at least one article, by domain: one Query of an index (or a bounded read), never a
   * read of the articles. A provider's feed metadata is also what getTopic(providerFeed(domain)) reads.
   */
  listProviders(): Promise<ProviderMeta[]>;
  /**
   * The newest entries of a feed, newest first: one Query, at most `limit` entries and fewer when the store
   * ends its page by size (DynamoDB at 1 MB read); `next` is set whenever more may follow. `before` is a
   * position returned as `next` by an earlier page; entries strictly after it in the newest-first order are
   * returned. Entries come without the bodies their facts say are kept with the article (see getBodies).
   */
  queryEntries(feed: string, limit: number, before?: string): Promise<EntryPage>;
  /**
   * The bodies of these articles (at most MAX_BODIES_PER_READ), in one request: each as of at least the version
   * asked; '' when the article has no body now. An article that is gone is absent from the map.
   */
  getBodies(wanted: BodyRequest[]): Promise<Map<string, string>>;
}

/**
 * A provider's feed, as listed: its metadata (`slug` is the feed id, `_p:<domain>`), with the domain and the
 * provider's display name as first given (the same rule as a topic's name).
 */
export interface ProviderMeta extends TopicMeta {
  domain: string;
}

/** A body to read: the article's id and the version its entry was written from. */
export interface BodyRequest {
  articleId: string;
  version: number;
}

/** The most bodies one read fetches: BatchGetItem's limit of 100 keys a request. */
export const MAX_BODIES_PER_READ = 100;

/** The entry as a feed entry item keeps it (the body apart), with the facts a page needs. */
export function storedEntry(
  entry: FeedEntry,
  version: number,
): { entry: FeedEntry; bytes: number; bodyVersion?: number } {
  const { contentHtml, ...rest } = entry;
  return {
    entry: rest,
    bytes: Buffer.byteLength(JSON.stringify(entry)),
    bodyVersion: contentHtml === undefined ? undefined : version,
  };
}

/** Rejections, for the local console and operators. */
export interface RejectionStore {
  listRejections(limit?: number): Promise<Rejection[]>;
}

/**
 * Repairs topic counters. Counters are kept by atomic increments as entries come and go; a function that
 * dies between an entry write and its increment (there are no transactions in the local DynamoDB) can leave
 * one off by one, so reconciliation can count again. Reads every entry of the topic: operator tools only.
 */
export interface TopicRecount {
  /** Every feed that has metadata (ALL, the topics, the providers), by slug (feed id). */
  listTopicSlugs(): Promise<string[]>;
  /** The number of entries in a feed (one paginated count-only Query). */
  countEntries(feed: string): Promise<number>;
  /** The topic's metadata: its stored count and revision. */
  getTopic(slug: string): Promise<TopicMeta | undefined>;
  /**
   * Sets a topic's count and bumps its revision, when the count differs and (if given) the revision is still
   * `revision`. Returns whether it was set.
   */
  setTopicCount(slug: string, count: number, at: string, revision?: number): Promise<boolean>;
}

/** Files known to the store, for reconciliation against the bucket (a scan: operator tools only). */
export interface FileIndex {
  listFiles(): AsyncIterable<FileRecord>;
  /** The records of these keys (those that have one), in a few requests. */
  getFiles(keys: string[]): Promise<Map<string, FileRecord>>;
}

export type { TopicRef };

/** The sort position of an entry: newest-first order is descending text order. */
export const positionOf = (entry: Pick<FeedEntry, 'published' | 'articleId'>): string =>
  `${entry.published}#${entry.articleId}`;
