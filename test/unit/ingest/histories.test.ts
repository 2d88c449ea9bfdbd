/**
 * Delivery order must not change the table (S3 and SQS promise none): for random short histories, any order
 * of their events leaves what the in-order ingest leaves, write counters aside (in-memory store). Found by
 * the event storm of `npm run reliability` (topic display names, RELIABILITY.md finding 3); the same property
 * runs against the DynamoDB adapter in histories.integration.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyAndOrder } from '../../support/histories.js';
import { tableAfter } from '../../support/memory-table.js';

describe('ingest core: delivery order, any history (in-memory store)', () => {
  it('leaves the same table for any order of the events of any short history', async () => {
    await fc.assert(
      fc.asyncProperty(historyAndOrder, async ([{ objects, events }, order]) => {
        expect(await tableAfter(order, objects)).toBe(await tableAfter(events, objects));
      }),
      { seed: 20210314, numRuns: 300 },
    );
    // 600 ingests of short histories: about 2 s alone, several times that on a shared, busy machine.
  }, 30_000);
});
