/**
 * Feed metadata items (topics, providers, ALL): count, revision and last change, kept by atomic updates (a
 * count change applied once however often the SDK sends it, see touchTopic), and the claim of the feed's name
 * (the store keeps the first claim written and replaces it only on request, over the claim compared with: which
 * claim wins is the domain's rule, see name-claim.ts). Listed from the index.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ALL, type TopicMeta } from '../../article/model.js';
import type { NameClaim } from '../../article/name-claim.js';
import { NO_NAME_CLAIM } from '../../article/name-claim.js';
import { providerOfFeed } from '../../article/provider-feed.js';
import { isThrottling } from '../../errors.js';
import { feedIndexKey, INDEX, ITEM_PRESENT, topicKey } from '../table-layout.js';
import type { ProviderMeta, TopicChange } from '../types.js';
import { CountTokens } from './count-tokens.js';
import { fromItem, type Item, isConditionFailed, type Table, toItem } from './table.js';

/** Waits between the extra rounds of a topic's count change refused by throttling (see touchTopic). */
const COUNT_THROTTLE_ROUNDS_MS = [250, 1000, 2500];

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

const claimOf = (item: Item | undefined): NameClaim | undefined =>
  item?.name?.S === undefined || item.nameAt?.S === undefined
    ? undefined
    : { name: item.name.S, givenAt: item.nameAt.S };

export class TopicItems {
  /** This process's count tokens (count-tokens.ts). */
  private readonly tokens = new CountTokens();

  constructor(private readonly table: Table) {}

  /**
   * The SDK sends an attempt again when the last one timed out or its answer was lost, though DynamoDB may have
   * applied it: a count change writes a token of its own (count-tokens.ts) on the condition that it is not there
   * yet, so an attempt finding it is refused (the change is in). Counted once however many attempts it took.
   * The same request removes the tokens of this process's earlier changes of the feed, whose calls are over.
   */
  async touchTopic(change: TopicChange): Promise<NameClaim | undefined> {
    const index = feedIndexKey(change.slug);
    const take = this.tokens.take(change.slug, change.countDelta !== 0);
    const { token, removed } = take;
    const removeNames = Object.fromEntries(removed.map((name, i) => [`#r${i}`, name]));
    const update = new UpdateItemCommand({
      TableName: this.table.name,
      Key: toItem(topicKey(change.slug)),
      UpdateExpression: `SET #name = if_not_exists(#name, :name), nameAt = if_not_exists(nameAt, :nameAt), slug = :slug, lastChange = :at${
        index ? ', gsi1pk = :g, gsi1sk = :gs' : ''
      }${token ? ', #t = :tat' : ''} ADD #count :d, revision :one${
        removed.length ? ` REMOVE ${Object.keys(removeNames).join(', ')}` : ''
      }`,
      ConditionExpression: token ? 'attribute_not_exists(#t)' : undefined,
      ExpressionAttributeNames: {
        '#name': 'name',
        '#count': 'count',
        ...(token ? { '#t': token.name } : {}),
        ...removeNames,
      },
      ExpressionAttributeValues: toItem({
        ':name': change.name,
        ':nameAt': change.nameGivenAt ?? NO_NAME_CLAIM,
        ':slug': change.slug,
        ':at': change.at,
        ':d': change.countDelta,
        ':one': 1,
        ...(index ? { ':g': index.gsi1pk, ':gs': index.gsi1sk } : {}),
        ...(token ? { ':tat': token.at } : {}),
      }),
      ReturnValues: 'ALL_NEW',
    });
    // A count change follows an entry write that a redelivered event cannot redo (it finds the entry there and
    // counts nothing), so a refusal by throttling, of which DynamoDB applies nothing, is tried again here beyond
    // the SDK's attempts. Other failures go to the caller.
    for (let round = 0; ; round++) {
      let claim: NameClaim | undefined;
      try {
        const { Attributes } = await this.table.client.send(update);
        this.tokens.settle(change.slug, take, true, Attributes);
        claim = claimOf(Attributes);
      } catch (e) {
        if (!token || !isConditionFailed(e)) {
          const wait = COUNT_THROTTLE_ROUNDS_MS[round];
          if (token && wait !== undefined && isThrottling(e)) {
            await new Promise((r) => setTimeout(r, wait));
            continue;
          }
          this.tokens.settle(change.slug, take, false);
          throw e;
        }
        // Refused for its token: an earlier attempt of this change was applied (with its removals), its answer lost.
        this.tokens.settle(change.slug, take, true);
        claim = await this.getNameClaim(change.slug);
      }
      return claim;
    }
  }

  async replaceName(slug: string, claim: NameClaim, kept: NameClaim): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: toItem(topicKey(slug)),
          // The revision is bumped even when the spelling is the same: another may have been written
          // meanwhile, and this puts the name back.
          UpdateExpression: 'SET #name = :name, nameAt = :nameAt ADD revision :one',
          ConditionExpression: '#name = :keptName AND nameAt = :keptAt',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: toItem({
            ':name': claim.name,
            ':nameAt': claim.givenAt,
            ':keptName': kept.name,
            ':keptAt': kept.givenAt,
            ':one': 1,
          }),
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailed(e)) return false;
      throw e;
    }
  }

  async getNameClaim(slug: string): Promise<NameClaim | undefined> {
    const { Item } = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.name,
        Key: toItem(topicKey(slug)),
        ConsistentRead: true,
        ProjectionExpression: '#name, nameAt',
        ExpressionAttributeNames: { '#name': 'name' },
      }),
    );
    return claimOf(Item);
  }

  async listTopicSlugs(): Promise<string[]> {
    const slugs = [ALL];
    for (const partition of [INDEX.topics, INDEX.providers]) {
      for await (const item of this.table.indexPartition(partition, { projection: 'slug' }))
        slugs.push(String(item.slug));
    }
    return slugs;
  }

  async setTopicCount(slug: string, count: number, at: string, revision?: number): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: toItem(topicKey(slug)),
          UpdateExpression: 'SET #count = :c, lastChange = :at ADD revision :one',
          ConditionExpression: `${ITEM_PRESENT} AND #count <> :c${revision === undefined ? '' : ' AND revision = :rev'}`,
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
    const { Item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: toItem(topicKey(slug)) }),
    );
    return Item ? toMeta(fromItem<TopicItem>(Item)) : undefined;
  }

  async getTopics(slugs: string[]): Promise<Map<string, TopicMeta>> {
    const out = new Map<string, TopicMeta>();
    for await (const item of this.table.batchGet(slugs.map(topicKey))) {
      const meta = toMeta(fromItem<TopicItem>(item));
      out.set(meta.slug, meta);
    }
    return out;
  }

  async listTopics(): Promise<TopicMeta[]> {
    const out: TopicMeta[] = [];
    for await (const item of this.table.indexPartition(INDEX.topics)) {
      const meta = toMeta(item as unknown as TopicItem);
      if (meta.count > 0) out.push(meta);
    }
    return out;
  }

  async listProviders(): Promise<ProviderMeta[]> {
    const out: ProviderMeta[] = [];
    for await (const item of this.table.indexPartition(INDEX.providers)) {
      const meta = toMeta(item as unknown as TopicItem);
      const domain = providerOfFeed(meta.slug);
      if (meta.count > 0 && domain !== undefined) out.push({ ...meta, domain });
    }
    return out;
  }
}
