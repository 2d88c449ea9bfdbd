/**
 * Article items: the record ingest keeps per article (optimistic concurrency on its version), and the bodies
 * a feed page shows, read from them in one BatchGetItem.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { entryFeeds } from '../../article/entry-feeds.js';
import { ConflictError } from '../../errors.js';
import { ENTRY_TOKEN, entryFields } from '../entry-items.js';
import { itemBytes, unstorable, utf8Bytes } from '../limits.js';
import { articleIdOf, articleKey, fileKey, ITEM_ABSENT, isFileSortKey } from '../table-layout.js';
import type { ArticleRecord, BodyRequest, FileRecord } from '../types.js';
import { MAX_BODIES_PER_READ, positionOf } from '../types.js';
import { fieldOf, type Item, isConditionFailed, type Table, toItem } from './table.js';

/** What a body read takes of an article item (the read units are the whole item's all the same). */
const BODY_PROJECTION = {
  expression: '#pk, #v, #a.#e.#c',
  names: { '#pk': 'pk', '#v': 'v', '#a': 'article', '#e': 'entry', '#c': 'contentHtml' },
};

const articleItem = (record: ArticleRecord): Item =>
  toItem({ ...articleKey(record.articleId), v: record.version, article: record });

/**
 * The size (as DynamoDB counts it) of the largest item that writing this article makes: its record, or one
 * of its feed entries (that of the longest feed name). Measures the items as they are written.
 */
export function largestItemBytes(record: ArticleRecord): number {
  const longest = entryFeeds(record.entry).reduce((a, b) => (utf8Bytes(b) > utf8Bytes(a) ? b : a));
  try {
    const fields = entryFields(longest, positionOf(record.entry), record.entry, record.version);
    const entry = toItem({ ...fields, c: ENTRY_TOKEN });
    return Math.max(itemBytes(articleItem(record)), itemBytes(entry));
  } catch (e) {
    // A value the marshaller refuses: the write would fail the same way.
    throw unstorable(e) ?? e;
  }
}

export class ArticleItems {
  constructor(private readonly table: Table) {}

  async getFileAndArticle(
    key: string,
    articleId: string,
  ): Promise<{ file?: FileRecord; article?: ArticleRecord }> {
    const out: { file?: FileRecord; article?: ArticleRecord } = {};
    for await (const item of this.table.batchGet([fileKey(key), articleKey(articleId)], true)) {
      if (isFileSortKey(item.sk?.S)) out.file = fieldOf<FileRecord>(item, 'file');
      else out.article = fieldOf<ArticleRecord>(item, 'article');
    }
    return out;
  }

  async getArticle(articleId: string): Promise<ArticleRecord | undefined> {
    const { Item } = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.name,
        Key: toItem(articleKey(articleId)),
        ConsistentRead: true,
      }),
    );
    return fieldOf<ArticleRecord>(Item, 'article');
  }

  async putArticle(record: ArticleRecord, expectedVersion: number): Promise<void> {
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.name,
          Item: articleItem(record),
          ConditionExpression: expectedVersion === 0 ? ITEM_ABSENT : 'v = :v',
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
      await this.table.client.send(
        new DeleteItemCommand({
          TableName: this.table.name,
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
      for await (const item of this.table.batchGet(ids.map(articleKey), consistent, BODY_PROJECTION)) {
        const id = articleIdOf(item.pk?.S ?? '');
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
}
