/**
 * The tokens that make a feed's count change apply once stay few in the feed's item: a change removes those of
 * its process's earlier changes of the feed in its own request, and a token left by a process that ended is
 * removed once older than the horizon, never sooner (another process's call may still send its request).
 * Against dynalite.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TOKEN_HORIZON_S, TOKEN_PREFIX } from '../../../shared/store/dynamodb/count-tokens.js';
import { DynamoStore } from '../../../shared/store/dynamodb.js';
import { topicKey } from '../../../shared/store/table-layout.js';
import { dynaliteTable } from '../../support/dynalite-table.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const TABLE = 'count-tokens';
const local = dynaliteTable(TABLE);

const change = (slug: string, countDelta = 1) => ({
  slug,
  name: slug,
  nameGivenAt: '2026-01-01T00:00:00.000Z',
  countDelta,
  at: '2026-01-01T00:00:00.000Z',
});

/** The token attributes of a feed's item. */
async function tokensOf(slug: string): Promise<string[]> {
  const { Item } = await local.dynamo().client.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { pk: { S: topicKey(slug).pk }, sk: { S: topicKey(slug).sk } },
    }),
  );
  return Object.keys(Item ?? {})
    .filter((name) => name.startsWith(TOKEN_PREFIX))
    .sort();
}

describe('the tokens of count changes', () => {
  it('a change removes the tokens of its process’s earlier changes of the feed, writing nothing more', async () => {
    const client = new DynamoDBClient({
      endpoint: local.dynamo().endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new DynamoStore(client, TABLE);
    await Promise.all(Array.from({ length: 20 }, () => store.touchTopic(change('busy'))));
    expect((await tokensOf('busy')).length).toBeGreaterThanOrEqual(1);
    await store.touchTopic(change('busy', -1));
    expect(await tokensOf('busy')).toHaveLength(1);
    // One UpdateItem a change, nothing else.
    expect(sent).toEqual(Array(21).fill('UpdateItemCommand'));
    client.destroy();
    expect((await store.getTopic('busy'))?.count).toBe(19);
  });

  it('a change that counts nothing writes no token and removes those of earlier changes', async () => {
    const store = new DynamoStore(local.dynamo().client, TABLE);
    await store.touchTopic(change('named'));
    await store.touchTopic(change('named', 0));
    expect(await tokensOf('named')).toEqual([]);
    expect((await store.getTopic('named'))?.count).toBe(1);
  });

  it('a token another process left is removed once older than the horizon, not before', async () => {
    const store = new DynamoStore(local.dynamo().client, TABLE);
    await store.touchTopic(change('left'));
    const now = Math.floor(Date.now() / 1000);
    const dead = `${TOKEN_PREFIX}dead`;
    const live = `${TOKEN_PREFIX}live`;
    await local.dynamo().client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: topicKey('left').pk }, sk: { S: topicKey('left').sk } },
        UpdateExpression: 'SET #dead = :dead, #live = :live',
        ExpressionAttributeNames: { '#dead': dead, '#live': live },
        ExpressionAttributeValues: {
          ':dead': { N: String(now - TOKEN_HORIZON_S - 60) },
          ':live': { N: String(now - TOKEN_HORIZON_S + 60) },
        },
      }),
    );
    // The first change sees the old token, the next one removes it; the younger one stays.
    await store.touchTopic(change('left'));
    expect(await tokensOf('left')).toContain(dead);
    await store.touchTopic(change('left'));
    const left = await tokensOf('left');
    expect(left).not.toContain(dead);
    expect(left).toContain(live);
    expect(left).toHaveLength(2);
    expect((await store.getTopic('left'))?.count).toBe(3);
  });
});
