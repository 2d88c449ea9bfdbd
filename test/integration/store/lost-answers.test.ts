/**
 * A write DynamoDB applied whose answer never reached the client (a connection reset, a time-out) is sent again
 * by the SDK. Feed counts must come out the same: an entry created by the first attempt is still counted, and a
 * count change is applied once. Against dynalite, through a proxy that forwards a request, lets dynalite apply
 * it, then drops the connection instead of answering.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../../local/servers.js';
import type { FeedEntry } from '../../../shared/article/model.js';
import { TOKEN_PREFIX } from '../../../shared/store/dynamodb/count-tokens.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { topicKey } from '../../../shared/store/table-layout.js';
import { ingestedWorld } from '../../support/ingested-world.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const TABLE = 'lost-answers';

/** A proxy to dynalite that drops the answer of the requests `lose` picks, after dynalite applied them. */
function lossyProxy(target: URL) {
  const state = { lose: (_operation: string): boolean => false, lost: 0 };
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          if (state.lose(operation)) {
            state.lost++;
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    req.pipe(upstream);
  });
  return { server, state };
}

let dynamo: LocalDynamo;
let proxy: ReturnType<typeof lossyProxy>;
let store: DynamoStore;
let truth: DynamoStore;
beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTable(dynamo.client, TABLE);
  proxy = lossyProxy(new URL(dynamo.endpoint));
  await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 10,
    retryMode: 'standard',
  });
  store = new DynamoStore(client, TABLE);
  truth = new DynamoStore(dynamo.client, TABLE);
});
afterAll(async () => {
  proxy?.server.closeAllConnections();
  await new Promise((r) => (proxy ? (proxy.server as Server).close(r) : r(undefined)));
  await dynamo?.close();
});

/** Drops the answer of the next write (PutItem or UpdateItem). */
function loseNextWrite() {
  let left = 1;
  proxy.state.lose = (op) => (op === 'PutItem' || op === 'UpdateItem') && left-- > 0;
}

const entry = (title: string): FeedEntry =>
  ({
    id: `urn:uuid:${title}`,
    articleId: title,
    url: `https://news.example.com/${title}`,
    title,
    published: '2026-01-01T00:00:00.000Z',
    topics: [{ slug: 'lost', name: 'Lost' }],
  }) as FeedEntry;

describe('a write whose answer was lost and that the SDK sent again', () => {
  it('an entry the first attempt created is reported created', async () => {
    loseNextWrite();
    expect(await store.putEntry('lost', '2026-01-01T00:00:00.000Z#a', entry('a'), 1)).toBe(true);
    expect(proxy.state.lost).toBe(1);
    expect(await store.putEntry('lost', '2026-01-01T00:00:00.000Z#a', entry('a'), 2)).toBe(false);
    expect(await truth.countEntries('lost')).toBe(1);
  });

  it('a count change is applied once', async () => {
    const before = proxy.state.lost;
    loseNextWrite();
    const at = '2026-01-01T00:00:00.000Z';
    const claim = await store.touchTopic({ slug: 'once', name: 'Once', nameGivenAt: at, countDelta: 1, at });
    expect(proxy.state.lost).toBe(before + 1);
    expect(claim).toEqual({ name: 'Once', givenAt: at });
    expect((await truth.getTopic('once'))?.count).toBe(1);
  });

  it('a change whose answer was lost and that removes earlier tokens is counted once, the tokens removed', async () => {
    const before = proxy.state.lost;
    loseNextWrite();
    const at = '2026-01-01T00:00:01.000Z';
    await store.touchTopic({ slug: 'once', name: 'Once', nameGivenAt: at, countDelta: 1, at });
    expect(proxy.state.lost).toBe(before + 1);
    expect((await truth.getTopic('once'))?.count).toBe(2);
    const key = topicKey('once');
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
    );
    expect(Object.keys(Item ?? {}).filter((name) => name.startsWith(TOKEN_PREFIX))).toHaveLength(1);
  });

  it('concurrent ingests of files sharing topics leave every count equal to its entries', async () => {
    const { put } = ingestedWorld(store);
    // Every fifth write's answer is lost (more would spend the SDK's retry quota: the ingest would fail).
    let n = 0;
    proxy.state.lose = (op) => (op === 'UpdateItem' || op === 'PutItem') && ++n % 5 === 0;
    const shared = ['Alpha', 'Beta', 'Gamma', 'Delta'];
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        put(`shared/${i}.md`, {
          title: `Story ${i}`,
          webUrl: `https://news.example.com/shared/${i}`,
          topics: [shared[i % 4] as string, shared[(i + 1) % 4] as string, `Own ${i}`],
        }),
      ),
    );
    proxy.state.lose = () => false;
    expect(proxy.state.lost).toBeGreaterThan(20);
    const feeds = new Set((await truth.listTopicSlugs()).filter((f) => !['lost', 'once'].includes(f)));
    expect(feeds.size).toBe(1 + 4 + 16 + 1);
    for (const feed of feeds) {
      expect({ feed, count: (await truth.getTopic(feed))?.count }).toEqual({
        feed,
        count: await truth.countEntries(feed),
      });
    }
    const listed = await truth.listTopics();
    expect(listed.filter((t) => !['lost', 'once'].includes(t.slug))).toHaveLength(4 + 16);
  });
});
