/**
 * dynalite in a child process of the bench (in memory), serving the DynamoDB API on one port and, on another,
 * a control endpoint that grows its table: `POST /grow {"target": N}` adds seeded articles until the table holds
 * N, verifies them through the store and answers `{count, watchedCount, seconds}`.
 *
 * The seeding writes straight into dynalite's own BatchWriteItem action in this process (the same items, the
 * same code that stores them when the request comes over HTTP) rather than through the SDK and HTTP: it is
 * preparation, not what is measured, and it is three times faster, which keeps `npm run bench` short. Topic
 * counts and the verification go through the real store over HTTP. The articles are derived from
 * BENCH_SEED = {"bases": B, "seed": S} (see bench/lib/seed-table.ts); the watched feed is announced.
 */

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ensureTable } from '../../shared/store/dynamodb.js';
import { announceReady } from '../lib/procs.js';
import {
  baseEntries,
  growTable,
  mostPopular,
  newSeedState,
  verifySeed,
  type WriteBatch,
} from '../lib/seed-table.js';
import { now } from '../lib/stats.js';

export interface DynamoChildInfo {
  endpoint: string;
  control: string;
  table: string;
  watchedFeed: string;
}

type Callback = (error: unknown) => void;
interface DynaliteDb {
  create(options: object): unknown;
}
const require = createRequire(import.meta.url);
const db = require('dynalite/db') as DynaliteDb;
const batchWriteItem = require('dynalite/actions/batchWriteItem') as (
  store: unknown,
  data: object,
  cb: Callback,
) => void;
const dynalite = require('dynalite') as (options: object) => import('node:http').Server;

// dynalite keeps its store to itself: wrap the factory it calls to get hold of it.
let store: unknown;
const create = db.create;
db.create = (options) => {
  store = create(options);
  return store;
};
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
db.create = create;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const TABLE = 'feedbucket';
const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});
await ensureTable(client, TABLE);

const { bases: baseCount = 2000, seed = 1 } = JSON.parse(process.env.BENCH_SEED ?? '{}') as {
  bases?: number;
  seed?: number;
};
const bases = baseEntries(baseCount, seed);
const state = newSeedState(mostPopular(bases));

const options = { removeUndefinedValues: true, convertClassInstanceToMap: false };
const direct: WriteBatch = (items) =>
  new Promise<void>((resolve, reject) =>
    batchWriteItem(
      store,
      { RequestItems: { [TABLE]: items.map((item) => ({ PutRequest: { Item: marshall(item, options) } })) } },
      (error) => (error ? reject(error) : resolve()),
    ),
  );

const control = createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => {
    body += d.toString();
  });
  req.on('end', async () => {
    try {
      if (req.method !== 'POST' || req.url !== '/grow') throw new Error(`no ${req.method} ${req.url}`);
      const { target } = JSON.parse(body) as { target: number };
      const t = now();
      await growTable(client, TABLE, bases, state, target, direct);
      await verifySeed(client, TABLE, state);
      const answer = {
        count: state.count,
        watchedCount: state.feedCounts.get(state.watchedFeed) ?? 0,
        seconds: (now() - t) / 1000,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    } catch (error) {
      res.writeHead(500).end(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

const info: DynamoChildInfo = {
  endpoint,
  control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  table: TABLE,
  watchedFeed: state.watchedFeed,
};
announceReady(info);
process.on('SIGTERM', () => {
  client.destroy();
  control.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
