/**
 * An in-memory store with the DynamoDB adapter's semantics (conditional writes, newest-first pages).
 * A fake for unit tests of the cores and renderers; the local stack and integration tests use DynamoDB itself.
 */

import {
  ALL,
  type EntryFacts,
  type EntryPage,
  type FeedEntry,
  type Rejection,
  type TopicMeta,
} from '../article/model.js';
import type { NameClaim } from '../article/name-claim.js';
import { NO_NAME_CLAIM } from '../article/name-claim.js';
import { providerOfFeed } from '../article/provider-feed.js';
import { ConflictError } from '../errors.js';
import { largestItemBytes } from './dynamodb/articles.js';
import { toItem } from './dynamodb/table.js';
import { entryFields } from './entry-items.js';
import { itemBytes } from './limits.js';
import { isLegacySequencer } from './sequencer.js';
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
import { MAX_BODIES_PER_READ, storedEntry } from './types.js';

const clone = <T>(v: T): T => structuredClone(v);

interface StoredItem {
  v: number;
  e: FeedEntry;
  n: number;
  b?: boolean;
  /** The entry as written, body included, to measure the item DynamoDB keeps when a page needs its size. */
  written: FeedEntry;
  /** The size of the item DynamoDB keeps for this entry (what its Query pages count to 1 MB), once measured. */
  size?: number;
}

/** DynamoDB ends a Query page once it has read 1 MB of items. */
const QUERY_PAGE_BYTES = 1024 * 1024;

export class MemoryStore implements IngestStore, FeedStore, RejectionStore, FileIndex, TopicRecount {
  readonly files = new Map<string, FileRecord>();
  readonly articles = new Map<string, ArticleRecord>();
  /** feed -> position -> the entry item (the entry without its body, its size, whether the body is apart) */
  readonly feeds = new Map<string, Map<string, StoredItem>>();
  readonly topics = new Map<string, TopicMeta>();
  /** When each topic's kept name was given (see TopicChange). */
  private readonly nameGivenAt = new Map<string, string>();
  /** Counts requests by method, for tests that assert how many reads an answer costs. */
  readonly calls = new Map<string, number>();

  /**
   * @param queryPageBytes where a Query page ends, as DynamoDB's does at 1 MB: items are read while less than
   *   this was read (each item's size as DynamoDB counts the one it keeps), so tests can see short pages with
   *   small articles.
   */
  constructor(private readonly queryPageBytes = QUERY_PAGE_BYTES) {}

  /** Measured as the DynamoDB adapter writes the items. */
  largestItemBytes(record: ArticleRecord): number {
    return largestItemBytes(record);
  }

  private count(name: string) {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  async getFile(key: string) {
    this.count('getFile');
    const f = this.files.get(key);
    return f && clone(f);
  }

  async putFile(record: FileRecord, expectSequencer?: string) {
    this.count('putFile');
    const old = this.files.get(record.key);
    const ok =
      !old ||
      old.sequencer === expectSequencer ||
      (!isLegacySequencer(old.sequencer) && old.sequencer < record.sequencer);
    if (ok) this.files.set(record.key, clone(record));
    return ok;
  }

  async *listFiles() {
    for (const f of this.files.values()) yield clone(f);
  }

  async getFiles(keys: string[]) {
    this.count('getFiles');
    const out = new Map<string, FileRecord>();
    for (const key of keys) {
      const f = this.files.get(key);
      if (f) out.set(key, clone(f));
    }
    return out;
  }

  async listRejections(limit = 1000): Promise<Rejection[]> {
    return [...this.files.values()]
      .filter((f) => f.status === 'rejected')
      .map((f) => ({ key: f.key, reason: f.reason ?? 'rejected', at: f.at }))
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .slice(0, limit);
  }

  async getFileAndArticle(key: string, articleId: string) {
    this.count('getFileAndArticle');
    const f = this.files.get(key);
    const a = this.articles.get(articleId);
    return { file: f && clone(f), article: a && clone(a) };
  }

  async getArticle(articleId: string) {
    this.count('getArticle');
    const a = this.articles.get(articleId);
    return a && clone(a);
  }

  async putArticle(record: ArticleRecord, expectedVersion: number) {
    this.count('putArticle');
    const old = this.articles.get(record.articleId);
    if ((old?.version ?? 0) !== expectedVersion)
      throw new ConflictError(`article ${record.articleId} changed`);
    this.articles.set(record.articleId, clone(record));
  }

  async deleteArticle(articleId: string, expectedVersion: number) {
    this.count('deleteArticle');
    const old = this.articles.get(articleId);
    if (!old || old.version !== expectedVersion) throw new ConflictError(`article ${articleId} changed`);
    this.articles.delete(articleId);
  }

  private feed(feed: string) {
    let f = this.feeds.get(feed);
    if (!f) {
      f = new Map();
      this.feeds.set(feed, f);
    }
    return f;
  }

  async putEntry(feed: string, position: string, entry: FeedEntry, version: number) {
    this.count('putEntry');
    const f = this.feed(feed);
    const old = f.get(position);
    if (old && old.v > version) return false;
    // storedEntry copies what it keeps apart from the body; the copy written is never handed out.
    const written = clone(entry);
    const stored = storedEntry(written, version);
    f.set(position, {
      v: version,
      e: stored.entry,
      n: stored.bytes,
      b: stored.bodyVersion !== undefined,
      written,
    });
    return old === undefined;
  }

  async deleteEntry(feed: string, position: string, version: number) {
    this.count('deleteEntry');
    const f = this.feed(feed);
    const old = f.get(position);
    if (!old || old.v > version) return false;
    f.delete(position);
    return true;
  }

  async queryEntries(feed: string, limit: number, before?: string): Promise<EntryPage> {
    this.count('queryEntries');
    const items = this.feed(feed);
    const positions = [...items.keys()]
      .filter((p) => before === undefined || p < before)
      .sort()
      .reverse();
    const entries: FeedEntry[] = [];
    const facts: EntryFacts[] = [];
    let read = 0;
    for (const position of positions) {
      if (entries.length === limit || read >= this.queryPageBytes) break;
      const item = items.get(position) as StoredItem;
      item.size ??= itemBytes(toItem(entryFields(feed, position, item.written, item.v)));
      read += item.size;
      entries.push(clone(item.e));
      facts.push({ position, bytes: item.n, bodyVersion: item.b ? item.v : undefined });
    }
    const more = entries.length < positions.length;
    return { entries, facts, next: more ? facts[facts.length - 1]?.position : undefined };
  }

  async getBodies(wanted: BodyRequest[]) {
    this.count('getBodies');
    if (wanted.length > MAX_BODIES_PER_READ) {
      throw new RangeError(`at most ${MAX_BODIES_PER_READ} bodies a read, ${wanted.length} asked`);
    }
    const out = new Map<string, string>();
    for (const { articleId } of wanted) {
      const article = this.articles.get(articleId);
      if (article) out.set(articleId, article.entry.contentHtml ?? '');
    }
    return out;
  }

  async touchTopic(change: TopicChange): Promise<NameClaim | undefined> {
    this.count('touchTopic');
    const old = this.topics.get(change.slug);
    // The first claim written names the feed; replaceName alone changes it after that.
    if (!old) this.nameGivenAt.set(change.slug, change.nameGivenAt ?? NO_NAME_CLAIM);
    const name = old?.name ?? change.name;
    this.topics.set(change.slug, {
      slug: change.slug,
      name,
      count: (old?.count ?? 0) + change.countDelta,
      revision: (old?.revision ?? 0) + 1,
      lastChange: change.at,
    });
    return { name, givenAt: this.nameGivenAt.get(change.slug) as string };
  }

  async replaceName(slug: string, claim: NameClaim, kept: NameClaim) {
    this.count('replaceName');
    const old = this.topics.get(slug);
    if (!old || old.name !== kept.name || this.nameGivenAt.get(slug) !== kept.givenAt) return false;
    this.nameGivenAt.set(slug, claim.givenAt);
    this.topics.set(slug, { ...old, name: claim.name, revision: old.revision + 1 });
    return true;
  }

  async getNameClaim(slug: string) {
    this.count('getNameClaim');
    const t = this.topics.get(slug);
    const givenAt = this.nameGivenAt.get(slug);
    return t && givenAt !== undefined ? { name: t.name, givenAt } : undefined;
  }

  /** ALL first, whether or not it has metadata yet (as the adapter lists it), then every other feed. */
  async listTopicSlugs() {
    return [ALL, ...[...this.topics.keys()].filter((slug) => slug !== ALL)];
  }

  async countEntries(feed: string) {
    return this.feed(feed).size;
  }

  async setTopicCount(slug: string, count: number, at: string, revision?: number) {
    const t = this.topics.get(slug);
    if (!t || t.count === count || (revision !== undefined && t.revision !== revision)) return false;
    this.topics.set(slug, { ...t, count, revision: t.revision + 1, lastChange: at });
    return true;
  }

  async getTopic(slug: string) {
    this.count('getTopic');
    const t = this.topics.get(slug);
    return t && clone(t);
  }

  async getTopics(slugs: string[]) {
    this.count('getTopics');
    const out = new Map<string, TopicMeta>();
    for (const s of slugs) {
      const t = this.topics.get(s);
      if (t) out.set(s, clone(t));
    }
    return out;
  }

  async listTopics() {
    this.count('listTopics');
    return [...this.topics.values()]
      .filter((t) => t.slug !== ALL && providerOfFeed(t.slug) === undefined && t.count > 0)
      .map(clone);
  }

  async listProviders(): Promise<ProviderMeta[]> {
    this.count('listProviders');
    const out: ProviderMeta[] = [];
    for (const t of this.topics.values()) {
      const domain = providerOfFeed(t.slug);
      if (domain !== undefined && t.count > 0) out.push({ ...clone(t), domain });
    }
    return out.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  }
}
