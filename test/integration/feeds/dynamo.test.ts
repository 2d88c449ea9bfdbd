/**
 * The feeds app against the real DynamoDB adapter on dynalite (free port), the table seeded through the
 * IngestStore methods the ingest core uses (putEntry, touchTopic), independent of the ingest core itself.
 */

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../../local/servers.js';
import { readPage } from '../../../shared/feeds/pages.js';
import { DynamoStore, ensureTable, MARSHALL_OPTIONS } from '../../../shared/store/dynamodb.js';
import type { FeedStore } from '../../../shared/store/types.js';
import { positionOf } from '../../../shared/store/types.js';
import { entry, seed, testApp, text } from '../../support/feeds-fixtures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let dynamo: LocalDynamo;
let store: DynamoStore;

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTable(dynamo.client, 'feeds-test');
  store = new DynamoStore(dynamo.client, 'feeds-test');
  await seed(
    store,
    Array.from({ length: 12 }, (_, i) =>
      entry(i, {
        topics:
          i % 2 === 0
            ? [
                { slug: 'election', name: 'Election' },
                { slug: '北朝鮮', name: '北朝鮮' },
              ]
            : [{ slug: 'election', name: 'Election' }],
      }),
    ),
  );
});

afterAll(async () => {
  await dynamo?.close();
});

// The app reads only through FeedStore; this wraps the DynamoStore to count what it is asked.
function counted() {
  const seen: string[] = [];
  const wrap: FeedStore = {
    getTopic(s) {
      seen.push('getTopic');
      return store.getTopic(s);
    },
    getTopics(s) {
      seen.push('getTopics');
      return store.getTopics(s);
    },
    listTopics() {
      seen.push('listTopics');
      return store.listTopics();
    },
    listProviders() {
      seen.push('listProviders');
      return store.listProviders();
    },
    queryEntries(f, l, b) {
      seen.push('queryEntries');
      return store.queryEntries(f, l, b);
    },
    getBodies(w) {
      seen.push('getBodies');
      return store.getBodies(w);
    },
  };
  return { seen, app: testApp({ store: wrap as never }) };
}

describe('feeds on DynamoDB (dynalite)', () => {
  it('serves a topic feed newest first and answers a conditional request from the topic item alone', async () => {
    const { seen, app } = counted();
    const res = await app.get('/topics/election/feed.json?limit=5');
    expect(res.status).toBe(200);
    const feed = JSON.parse(text(res.body));
    expect(feed.items.map((i: { title: string }) => i.title)).toEqual(
      [11, 10, 9, 8, 7].map((n) => `Story number ${n}`),
    );
    seen.length = 0;
    const again = await app.get('/topics/election/feed.json?limit=5', {
      'if-none-match': res.headers.etag as string,
    });
    expect(again.status).toBe(304);
    expect(seen).toEqual(['getTopic']);
  });

  it('walks every page of merged topics and of all articles exactly once', async () => {
    const { app } = counted();
    for (const [first, expected] of [
      [`/topics/election,${encodeURIComponent('北朝鮮')}/feed.json?limit=5`, 12],
      ['/feed.json?limit=5', 12],
      [`/topics/${encodeURIComponent('北朝鮮')}/feed.json?limit=4`, 6],
    ] as const) {
      const ids: string[] = [];
      let next: string | undefined = first;
      while (next) {
        const body = JSON.parse(text((await app.get(next.replace(/^https:\/\/[^/]+/, ''))).body));
        ids.push(...body.items.map((i: { id: string }) => i.id));
        next = body.next_url;
      }
      expect(ids, first).toHaveLength(expected);
      expect(new Set(ids).size).toBe(expected);
    }
  });

  it('still reads entry items written before bodies were kept apart (the whole entry as a map)', async () => {
    const old = entry(40, {
      topics: [{ slug: 'legacy', name: 'Legacy' }],
      contentHtml: '<p>kept inside</p>',
    });
    await dynamo.client.send(
      new PutItemCommand({
        TableName: 'feeds-test',
        Item: marshall({ pk: 'F#legacy', sk: positionOf(old), v: 1, e: old }, MARSHALL_OPTIONS),
      }),
    );
    const page = await store.queryEntries('legacy', 10);
    expect(page.entries).toEqual([old]);
    expect(page.facts[0]?.bodyVersion).toBeUndefined();
    const read = await readPage(store, ['legacy'], 10);
    expect(read.entries[0]?.contentHtml).toBe('<p>kept inside</p>');
  });

  it('reads a body again, strongly consistent, when the copy first read is older than its entry', async () => {
    const e = entry(41, { topics: [{ slug: 'fresh', name: 'Fresh' }], contentHtml: '<p>version 3</p>' });
    const record = {
      articleId: e.articleId,
      canonicalUrl: e.url,
      published: true,
      entry: e,
      files: { 'fresh.md': '2021-04-01T00:00:00.000Z' },
      sourceKey: 'fresh.md',
      sourceTime: '2021-04-01T00:00:00.000Z',
      version: 3,
    };
    await store.putArticle(record, 0);
    const sent: { ConsistentRead?: boolean }[] = [];
    const send = dynamo.client.send.bind(dynamo.client);
    const spy = vi.spyOn(dynamo.client, 'send').mockImplementation(((command: {
      input: { RequestItems?: Record<string, { ConsistentRead?: boolean }> };
    }) => {
      const asked = command.input.RequestItems?.['feeds-test'];
      if (asked) sent.push({ ConsistentRead: asked.ConsistentRead });
      return send(command as never);
    }) as never);
    try {
      // An entry written from version 5: the version-3 copy is stale, so it is read again consistently.
      expect(await store.getBodies([{ articleId: e.articleId, version: 5 }])).toEqual(
        new Map([[e.articleId, '<p>version 3</p>']]),
      );
      expect(sent).toEqual([{ ConsistentRead: undefined }, { ConsistentRead: true }]);
      sent.length = 0;
      // As new as the entry: one eventually consistent read.
      expect((await store.getBodies([{ articleId: e.articleId, version: 3 }])).size).toBe(1);
      expect(sent).toEqual([{ ConsistentRead: undefined }]);
      sent.length = 0;
      // Gone: asked again consistently, then left out.
      expect((await store.getBodies([{ articleId: 'no-such-article', version: 1 }])).size).toBe(0);
      expect(sent).toEqual([{ ConsistentRead: undefined }, { ConsistentRead: true }]);
    } finally {
      spy.mockRestore();
    }
  });

  it('lists topics from the index and returns 404 for unknown ones', async () => {
    const { app } = counted();
    const topics = JSON.parse(text((await app.get('/topics.json')).body));
    expect(topics.topics.map((t: { slug: string; count: number }) => [t.slug, t.count])).toEqual([
      ['election', 12],
      ['北朝鮮', 6],
    ]);
    expect(topics.all.count).toBe(12);
    expect((await app.get('/topics/unknown/rss.xml')).status).toBe(404);
  });
});
