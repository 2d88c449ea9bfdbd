/**
 * The delivery-order property of histories.test.ts against the DynamoDB adapter on dynalite (free port): a
 * small event storm per run. The in-memory fake held while the adapter did not (docs/RELIABILITY.md finding 3: it
 * ignored an earlier claim of the topic name it kept), so the adapter is held to the property itself.
 */
import { waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../../local/servers.js';
import { Ingester, type ObjectEvent } from '../../../shared/ingest/ingester.js';
import type { StoredObject } from '../../../shared/ingest/objects.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { diffDumps, dumpTable } from '../../../tools/reliability/tables.js';
import { RecordingLog } from '../../support/fakes.js';
import { historyAndOrder } from '../../support/histories.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});

let tables = 0;
/** Applies `order` to a new table; returns the table's dump. */
async function tableAfter(order: ObjectEvent[], objects: Map<string, StoredObject>) {
  const table = `histories-${++tables}`;
  await ensureTable(dynamo.client, table);
  await waitUntilTableExists(
    { client: dynamo.client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: table },
  );
  const ingester = new Ingester({
    store: new DynamoStore(dynamo.client, table),
    objects: { get: async (_b, k) => objects.get(k) },
    log: new RecordingLog(),
    maxObjectBytes: 1 << 20,
  });
  for (const e of order) await ingester.apply(e);
  return dumpTable(dynamo.client, table);
}

describe('ingest core: delivery order, any history (DynamoDB adapter)', () => {
  it('leaves the same table, write counters aside, for any order of the events of a short history', async () => {
    await fc.assert(
      fc.asyncProperty(historyAndOrder, async ([{ objects, events }, order]) => {
        const inOrder = await tableAfter(events, objects);
        const shuffled = await tableAfter(order, objects);
        expect(diffDumps(inOrder, shuffled, ['in-order', 'shuffled']).lines).toEqual([]);
      }),
      { seed: 20210314, numRuns: 20 },
    );
  });
});
