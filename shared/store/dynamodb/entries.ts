/**
 * Feed entry items: one per article and feed, written only over an older version of the article, read a page
 * at a time newest first. An entry item keeps the FeedEntry without its body, compressed (entry-items.ts), so
 * a new article's entries stay small to write and a 1 MB Query page holds many entries however long the
 * articles are.
 */
import { DeleteItemCommand, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { EntryFacts, EntryPage, FeedEntry } from '../../article/model.js';
import { entryFields, readEntryItem } from '../entry-items.js';
import { unstorable } from '../limits.js';
import { entryKey, entryRange, ITEM_ABSENT } from '../table-layout.js';
import { newToken } from './count-tokens.js';
import { hasAttributes, type Item, isConditionFailed, type Table, toItem } from './table.js';

/** Written unless a newer version of the article is there. */
const NOT_NEWER = `${ITEM_ABSENT} OR v <= :v`;

export class EntryItems {
  constructor(private readonly table: Table) {}

  /**
   * Whether this call created the entry (its feed counts one more). The SDK sends an attempt again when the
   * last one timed out or its answer was lost, though DynamoDB may have applied it: the old item that retry
   * returns is then the one this call wrote. So an item keeps the token of the call that created it (`c`,
   * never changed by later writes), and the call created the entry when there was none or the token is its own.
   */
  async putEntry(feed: string, position: string, entry: FeedEntry, version: number): Promise<boolean> {
    const { pk: _pk, sk: _sk, b, ...fields } = entryFields(feed, position, entry, version);
    const token = newToken();
    try {
      const { Attributes } = await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: toItem(entryKey(feed, position)),
          // `e`: the whole entry as items written before kept it; `b` only while the entry has a body.
          UpdateExpression: `SET v = :v, z = :z, n = :n, c = if_not_exists(c, :c)${b ? ', b = :b' : ''} REMOVE e${b ? '' : ', b'}`,
          ConditionExpression: NOT_NEWER,
          ExpressionAttributeValues: toItem({
            ':v': fields.v,
            ':z': fields.z,
            ':n': fields.n,
            ':c': token,
            ...(b ? { ':b': b } : {}),
          }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return !hasAttributes(Attributes) || Attributes?.c?.S === token;
    } catch (e) {
      // Refused: a newer version is there; yet an attempt of this call may have created the entry before it.
      if (isConditionFailed(e)) return (await this.creator(feed, position)) === token;
      throw unstorable(e) ?? e;
    }
  }

  /** The token of the call that created an entry (see putEntry). */
  private async creator(feed: string, position: string): Promise<string | undefined> {
    const { Item } = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.name,
        Key: toItem(entryKey(feed, position)),
        ConsistentRead: true,
        ProjectionExpression: 'c',
      }),
    );
    return Item?.c?.S;
  }

  async deleteEntry(feed: string, position: string, version: number): Promise<boolean> {
    try {
      const { Attributes } = await this.table.client.send(
        new DeleteItemCommand({
          TableName: this.table.name,
          Key: toItem(entryKey(feed, position)),
          ConditionExpression: NOT_NEWER,
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
    const range = entryRange(feed, before);
    const { Items, LastEvaluatedKey } = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: range.KeyConditionExpression,
        ExpressionAttributeValues: toItem(range.values),
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

  /** The number of entries in a feed (one paginated count-only Query). */
  async countEntries(feed: string): Promise<number> {
    const range = entryRange(feed);
    let total = 0;
    let start: Item | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: range.KeyConditionExpression,
          ExpressionAttributeValues: toItem(range.values),
          Select: 'COUNT',
          ExclusiveStartKey: start,
        }),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return total;
  }
}
