/**
 * A probe of the local DynamoDB: resident memory while Queries that stop at their Limit (as every feed page
 * does) run against one partition, with dynalite on disk (as the local stack keeps it) and in memory. It
 * tells a leak in the local stack's store apart from one in our code.
 *
 *   node --import tsx --expose-gc reliability/dynalite-probe.ts --root DIR [--queries 4000]
 * Prints `{"probe":{…}}`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamo } from '../local/servers.js';
import { documentClient } from '../shared/store/dynamodb.js';
import { createTable } from './pipeline.js';

const { values } = parseArgs({ options: { root: { type: 'string' }, queries: { type: 'string' } } });
if (!values.root) throw new Error('--root DIR is required');
const QUERIES = Number(values.queries ?? 4000);
const rssMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
};

async function probe(onDisk: boolean) {
  const dynamo = await startDynamo(onDisk ? { path: path.join(values.root as string, 'probe') } : {});
  await createTable(dynamo.client, 'probe');
  const doc = documentClient(dynamo.client);
  const e = 'x'.repeat(3000);
  for (let i = 0; i < 1000; i += 25) {
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
        Limit: 51,
      }),
    );
  for (let i = 0; i < 50; i++) await query();
  const before = rssMb();
  let left = QUERIES;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (left-- > 0) await query();
    }),
  );
  const after = rssMb();
  await dynamo.close().catch(() => {});
  return { beforeMb: before, afterMb: after, kbPerQuery: Math.round(((after - before) * 1024) / QUERIES) };
}

const memory = await probe(false);
const disk = await probe(true);
process.stdout.write(
  `${JSON.stringify({ probe: { queries: QUERIES, partitionItems: 1000, limit: 51, memory, disk } })}\n`,
);
process.exit(0);
