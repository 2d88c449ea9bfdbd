/**
 * dynalite (in memory) in a child process of the bench. Each line `{"target": N}` on its stdin seeds articles
 * until the table holds N, verifies them through the store and announces `{"grown": {count, watchedCount,
 * seconds}}` (or `{"grown": {"error": …}}`); BENCH_SEED = {"bases": B, "seed": S} (see
 * tools/bench/lib/seed-table.ts).
 *
 * The seeding writes into dynalite's item store what its PutItem would store (see `direct`) rather than over
 * HTTP: it is preparation, not what is measured, and about five times faster, which keeps `npm run bench`
 * short.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoStore, ensureTable, MARSHALL_OPTIONS } from '../../../shared/store/dynamodb.js';
import { announce, onStop } from '../../lib/procs.js';
import { now } from '../../lib/stats.js';
import { growTable, startSeeding, verifySeed } from '../lib/seed-table.js';

type Callback = (error: unknown) => void;
interface ItemDb {
  batch(ops: { type: 'put'; key: string; value: unknown }[], cb: Callback): void;
}
interface DynaliteStore {
  getTable(name: string, checkStatus: boolean, cb: (error: unknown, table: unknown) => void): void;
  getItemDb(name: string): ItemDb;
}
interface DynaliteDb {
  create(options: object): DynaliteStore;
  createKey(item: object, table: unknown): string;
}
const require = createRequire(import.meta.url);
const db = require('dynalite/db') as DynaliteDb;
const dynalite = require('dynalite') as (options: object) => import('node:http').Server;

// dynalite keeps its store to itself: wrap the factory it calls to get hold of it.
let store: DynaliteStore | undefined;
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
const feedStore = new DynamoStore(client, TABLE);

const { bases: baseCount = 2000, seed = 1 } = JSON.parse(process.env.BENCH_SEED ?? '{}') as {
  bases?: number;
  seed?: number;
};
const state = startSeeding(baseCount, seed);

const dynaliteStore = store as DynaliteStore | undefined;
if (!dynaliteStore) throw new Error('dynalite did not create its store through dynalite/db');
const table = await new Promise<unknown>((resolve, reject) =>
  dynaliteStore.getTable(TABLE, false, (error, t) => (error ? reject(error) : resolve(t))),
);
const items = dynaliteStore.getItemDb(TABLE);
/**
 * What dynalite's PutItem stores for each item (its key, the item as DynamoDB JSON), written to its item store
 * in one batch: none of these items carries an index key, so PutItem would write nothing else. A third faster
 * than calling the PutItem action per item; verifySeed reads the table back through the API.
 */
const direct = (batch: Record<string, unknown>[]) =>
  new Promise<void>((resolve, reject) => {
    const ops = batch.map((item) => {
      const value = marshall(item, MARSHALL_OPTIONS);
      // dynalite keeps binary values as they come over the wire: base64 text.
      for (const v of Object.values(value))
        if (v.B) (v as unknown as { B: string }).B = Buffer.from(v.B).toString('base64');
      if (value.gsi1pk) throw new Error('a seeded item carries an index key: write it through PutItem');
      return { type: 'put' as const, key: db.createKey(value, table), value };
    });
    items.batch(ops, (error) => (error ? reject(error) : resolve()));
  });

const info = { endpoint, table: TABLE, watchedFeed: state.watchedFeed };
export type DynamoChildInfo = typeof info;
announce('ready', info);
// One growth at a time, in the order asked.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(async () => {
    try {
      const { target } = JSON.parse(line) as { target: number };
      const t = now();
      await growTable(feedStore, state, target, direct);
      await verifySeed(feedStore, state);
      const watchedCount = state.feedCounts.get(state.watchedFeed) ?? 0;
      announce('grown', { count: state.count, watchedCount, seconds: (now() - t) / 1000 });
    } catch (error) {
      announce('grown', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
});
onStop(() => {
  client.destroy();
  server.closeAllConnections();
});
