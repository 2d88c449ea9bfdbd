/**
 * The local fixes of dynalite 4.0.0 (local/dynalite-fixes.mjs), against real dynalite servers on free ports
 * and LevelDB on disk (as the local stack keeps its table): range reads close their iterators, answers are
 * the same as dynalite's own, and closing a server while reads are under way does not throw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  countOpenResources,
  createDynalite,
  type DynaliteStore,
  plainDynalite,
} from '../../../local/dynalite-fixes.mjs';

interface Running {
  server: Server;
  store: DynaliteStore;
  client: DynamoDBClient;
  /** Iterators (abstract-level resources) of the store's database open now. */
  open: () => number;
}

const running: Running[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.client.destroy();
    r.server.closeAllConnections();
    await new Promise((resolve) => r.server.close(resolve));
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });

/** A dynalite on disk with a table `tbl` (pk, sk; index `byTopic` on topic, published) and `items` items. */
async function start(make: typeof createDynalite, items: number, partitions = 3): Promise<Running> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fb-dynalite-'));
  dirs.push(dir);
  const { server, store } = make({ createTableMs: 0, path: dir });
  const open = countOpenResources(store);
  const c = client(await listen(server));
  const r = { server, store, client: c, open };
  running.push(r);
  await c.send(
    new CreateTableCommand({
      TableName: 'tbl',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'topic', 'published'].map((n) => ({
        AttributeName: n,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byTopic',
          KeySchema: [
            { AttributeName: 'topic', KeyType: 'HASH' },
            { AttributeName: 'published', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await tableActive(c, 'tbl');
  for (let i = 0; i < items; i += 25) {
    const batch = Array.from({ length: Math.min(25, items - i) }, (_, j) => {
      const n = i + j;
      return {
        PutRequest: {
          Item: {
            pk: { S: `F#${n % partitions}` },
            sk: { S: String(n).padStart(6, '0') },
            topic: { S: `topic-${n % 2}` },
            // Ties on the index's range key, as feed entries published in the same second have.
            published: { S: `2021-03-${String(1 + (n % 20)).padStart(2, '0')}` },
            body: { S: `item ${n} `.repeat(20) },
          },
        },
      };
    });
    await c.send(new BatchWriteItemCommand({ RequestItems: { tbl: batch } }));
  }
  return r;
}

/** dynalite, like DynamoDB, refuses writes to a table until it is ACTIVE (a moment even with createTableMs 0). */
const tableActive = (c: DynamoDBClient, table: string) =>
  waitUntilTableExists({ client: c, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: table });

type Read = { kind: 'query'; input: QueryCommandInput } | { kind: 'scan'; input: ScanCommandInput };

/** Every page of a read, each as the server answered it (without the SDK's metadata). */
async function pages(c: DynamoDBClient, read: Read): Promise<unknown[]> {
  const out: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const input = { ...read.input, ExclusiveStartKey: start } as never;
    const { $metadata: _, ...page } = await c.send(
      read.kind === 'query' ? new QueryCommand(input) : new ScanCommand(input),
    );
    out.push(page);
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

const partition = (pk: string, extra: Partial<QueryCommandInput> = {}): Read => ({
  kind: 'query',
  input: {
    TableName: 'tbl',
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': { S: pk } },
    ...extra,
  },
});

const READS: Record<string, Read> = {
  'a partition, newest first, 7 a page': partition('F#1', { Limit: 7, ScanIndexForward: false }),
  'a partition, oldest first, 51 a page': partition('F#0', { Limit: 51 }),
  'a range of a partition, with a filter': {
    kind: 'query',
    input: {
      TableName: 'tbl',
      KeyConditionExpression: 'pk = :p AND sk > :s',
      FilterExpression: 'topic = :t',
      ExpressionAttributeValues: { ':p': { S: 'F#2' }, ':s': { S: '000100' }, ':t': { S: 'topic-0' } },
      Limit: 10,
    },
  },
  'an index partition, newest first, 9 a page': {
    kind: 'query',
    input: {
      TableName: 'tbl',
      IndexName: 'byTopic',
      KeyConditionExpression: 'topic = :t',
      ExpressionAttributeValues: { ':t': { S: 'topic-1' } },
      ScanIndexForward: false,
      Limit: 9,
    },
  },
  'the table, 40 a page': { kind: 'scan', input: { TableName: 'tbl', Limit: 40 } },
  'a segment of the table, 25 a page': {
    kind: 'scan',
    input: { TableName: 'tbl', Limit: 25, Segment: 1, TotalSegments: 3 },
  },
  'a partition in one read': partition('F#1'),
};

describe('dynalite range reads with the local fixes', () => {
  it('close every iterator once answered, where dynalite as published leaves one open per read', async () => {
    const fixed = await start(createDynalite, 300);
    const plain = await start(plainDynalite, 300);
    let reads = 0;
    for (const read of Object.values(READS)) {
      reads += (await pages(fixed.client, read)).length;
      await pages(plain.client, read);
    }
    // Closing is asynchronous (it waits for a read under way): the count reaches 0 once the last closes.
    await vi.waitFor(() => expect(fixed.open()).toBe(0));
    // The count sees the leak it is there to show: without the fixes, every read left its iterator open.
    expect(plain.open()).toBeGreaterThanOrEqual(reads);
  });

  it('answer every page exactly as dynalite as published does', async () => {
    const fixed = await start(createDynalite, 300);
    const plain = await start(plainDynalite, 300);
    for (const [name, read] of Object.entries(READS)) {
      const got = await pages(fixed.client, read);
      expect(got, name).toEqual(await pages(plain.client, read));
      // And the pages together hold every item of the read once.
      const keys = got.flatMap((p) => (p as { Items: { sk: { S: string } }[] }).Items.map((i) => i.sk.S));
      const one = await pages(fixed.client, { ...read, input: { ...read.input, Limit: undefined } } as Read);
      expect(keys, name).toEqual((one[0] as { Items: { sk: { S: string } }[] }).Items.map((i) => i.sk.S));
    }
  });

  it('are fixed again after the server is closed and listens again (dynalite then recreates its store)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fb-dynalite-'));
    dirs.push(dir);
    const { server, store } = createDynalite({ createTableMs: 0, path: dir });
    await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const c = client(await listen(server));
    running.push({ server, store, client: c, open: () => 0 });
    const open = countOpenResources(store);
    await c.send(
      new CreateTableCommand({
        TableName: 'again',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await tableActive(c, 'again');
    await c.send(new ScanCommand({ TableName: 'again', Limit: 1 }));
    await c.send(new ListTablesCommand({}));
    await vi.waitFor(() => expect(open()).toBe(0));
  });
});

describe('closing a server with the local fixes while reads are under way', () => {
  it('answers or drops those requests and throws nothing (dynalite as published throws "Iterator is not open")', async () => {
    const uncaught: unknown[] = [];
    const record = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', record);
    try {
      const r = await start(createDynalite, 1500, 1);
      const read = (i: number): Promise<unknown> =>
        i % 3 === 0
          ? r.client.send(new ScanCommand({ TableName: 'tbl' }))
          : i % 3 === 1
            ? r.client.send(new QueryCommand(partition('F#0').input as QueryCommandInput))
            : r.client.send(new ListTablesCommand({}));
      const reads = Array.from({ length: 30 }, (_, i) =>
        read(i).then(
          () => 'answered',
          () => 'failed',
        ),
      );
      // Reads are under way once the database has iterators open.
      await vi.waitFor(() => expect(r.open()).toBeGreaterThan(0), { interval: 1 });
      running.splice(running.indexOf(r), 1);
      r.server.closeAllConnections();
      const closed = await new Promise((resolve) => r.server.close(resolve));
      expect(closed).toBeNull();
      const outcomes = await Promise.all(reads);
      expect(outcomes).toHaveLength(30);
      r.client.destroy();
      // Anything a late read threw would surface within a few turns of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });

  it('ends a value stream whose database closed with an error dynalite answers as a 500, and a key stream quietly', async () => {
    const r = await start(createDynalite, 200, 1);
    const { db } = r.store as unknown as {
      db: DynaliteStore['db'] & {
        createValueStream(o?: object): Readable;
        createKeyStream(o?: object): Readable;
      };
    };
    const values = db.createValueStream({});
    const keys = db.createKeyStream({});
    const firstValue = await firstItem(values);
    const firstKey = await firstItem(keys);
    expect(firstValue).toBeTypeOf('object');
    expect(firstKey).toBeTypeOf('string');
    await db.close();
    const [valueEnd, keyEnd] = await Promise.all([drain(values), drain(keys)]);
    expect(valueEnd).toMatchObject({
      error: {
        statusCode: 500,
        body: { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' },
      },
    });
    expect(keyEnd).toEqual({ error: undefined });
    expect(r.open()).toBe(0);
  });
});

/** The first item of a paused object stream (it stays paused afterwards). */
function firstItem(stream: Readable): Promise<unknown> {
  return new Promise((resolve) => {
    stream.once('readable', () => resolve(stream.read()));
  });
}

/** Reads a stream until it closes: the error it ended with, if any. */
function drain(stream: Readable): Promise<{ error: unknown }> {
  return new Promise((resolve) => {
    let error: unknown;
    stream.on('error', (e) => {
      error = e;
    });
    stream.on('close', () => resolve({ error }));
    stream.resume();
  });
}
