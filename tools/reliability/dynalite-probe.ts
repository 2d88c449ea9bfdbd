/**
 * A probe of the local DynamoDB: resident memory while Queries that stop at their Limit (as every feed page
 * does) run against one partition, for dynalite as published or with the local stack's fixes
 * (local/dynalite-fixes.mjs), on disk (as the local stack keeps its table) or in memory. dynalite runs in this
 * process here, so a full GC reaches its heap too: what still grows is held (native LevelDB memory included).
 * One variant per process, so memory one freed cannot hide the growth of the next. It tells a leak in the
 * local stack's store apart from one in our code. A diagnosis, run only with `--only probe`: no verdict.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { countOpenResources, createDynalite, plainDynalite } from '../../local/dynalite-fixes.mjs';
import { LOCAL_REGION } from '../../local/servers.js';
import { documentClient } from '../../shared/store/document-client.js';
import { EXPOSE_GC, fmt, inChild, type Outcome } from './check.js';
import { createTable } from './pipeline.js';

const LIMIT = 51;
const PARTITION = 1000;
const rssMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
};

interface ProbeRun {
  queries: number;
  partitionItems: number;
  limit: number;
  /** Resident memory after a full GC: before the measured queries, at each quarter of them. */
  rssMb: number[];
  /** Growth per query over the second half of the queries (KB): a warm-up settles, a leak keeps growing. */
  kbPerQuery: number;
  /** Iterators of the database still open once every query was answered. */
  openIterators: number;
}

export async function scenario(o: {
  root: string;
  queries: number;
  fixed: boolean;
  onDisk: boolean;
}): Promise<ProbeRun> {
  const { fixed, queries: QUERIES } = o;
  const where = o.onDisk ? { path: path.join(o.root, `probe-${fixed ? 'fixed' : 'plain'}`) } : {};
  const { server, store } = (fixed ? createDynalite : plainDynalite)({ createTableMs: 0, ...where });
  const openCount = countOpenResources(store);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createTable(client, 'probe');
    const doc = documentClient(client);
    const e = 'x'.repeat(3000);
    for (let i = 0; i < PARTITION; i += 25) {
      const items = Array.from({ length: 25 }, (_, j) => ({
        PutRequest: { Item: { pk: 'F#topic', sk: String(i + j).padStart(6, '0'), e } },
      }));
      await doc.send(new BatchWriteCommand({ RequestItems: { probe: items } }));
    }
    const query = () =>
      doc.send(
        new QueryCommand({
          TableName: 'probe',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': 'F#topic' },
          ScanIndexForward: false,
          Limit: LIMIT,
        }),
      );
    for (let i = 0; i < 200; i++) await query();
    const rss = [rssMb()];
    const quarter = Math.ceil(QUERIES / 4);
    for (let q = 0; q < 4; q++) {
      let left = quarter;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (left-- > 0) await query();
        }),
      );
      rss.push(rssMb());
    }
    // Closing an iterator is asynchronous: let the last ones finish.
    await new Promise((r) => setTimeout(r, 100));
    const half = (rss[4] as number) - (rss[2] as number);
    return {
      queries: QUERIES,
      partitionItems: PARTITION,
      limit: LIMIT,
      rssMb: rss,
      kbPerQuery: Math.round((half * 1024) / (2 * quarter)),
      openIterators: openCount(),
    };
  } finally {
    client.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(() => r(undefined)));
  }
}

export async function probeCheck(root: string): Promise<Outcome> {
  const run = (fixed: boolean, onDisk: boolean): Promise<ProbeRun> =>
    inChild('dynalite-probe', { root, queries: 4000, fixed, onDisk }, EXPOSE_GC);
  const result = {
    published: { disk: await run(false, true), memory: await run(false, false) },
    fixed: { disk: await run(true, true), memory: await run(true, false) },
  };
  const d = result.published.disk;
  const line = (r: ProbeRun) =>
    `${r.rssMb.join(' → ')} MB, ${r.kbPerQuery} KB per query over the second half, ${fmt(r.openIterators)} iterators left open`;
  const lines = [
    `- **Probe of the local DynamoDB** (diagnosis, no verdict): ${fmt(d.queries)} Queries of ${d.limit} items on a ${fmt(d.partitionItems)}-item partition, ` +
      'resident memory after a full GC before and at each quarter (dynalite in the probing process, one process per variant):',
    `  - dynalite 4.0.0 as published: on disk (as the local stack keeps it) ${line(result.published.disk)}; in memory ${line(result.published.memory)}.`,
    `  - with local/dynalite-fixes.mjs: on disk ${line(result.fixed.disk)}; in memory ${line(result.fixed.memory)}.`,
  ];
  return { verdict: 'not run', notes: ['A diagnosis, not a check.'], lines, result };
}
