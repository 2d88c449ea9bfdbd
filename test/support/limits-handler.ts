/**
 * A handler for tests of the local Lambda runtime's limits: it reports the time left it was given, holds as
 * many megabytes as each message's body asks ({"holdMb": n}), waits as long as it asks ({"waitMs": n}), then
 * records that it finished in a file ({"mark": path}: the time left, and the megabytes held if any). A mark
 * that never appears shows the invocation was stopped where it was.
 */
import { writeFile } from 'node:fs/promises';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export async function handler(
  event: SQSEvent,
  context: { getRemainingTimeInMillis(): number },
): Promise<SQSBatchResponse> {
  const left = context.getRemainingTimeInMillis();
  const held: number[][] = [];
  for (const record of event.Records) {
    const {
      waitMs = 0,
      mark,
      holdMb = 0,
    } = JSON.parse(record.body) as {
      waitMs?: number;
      mark: string;
      holdMb?: number;
    };
    // Arrays of small integers: 8 bytes an element on the V8 heap.
    for (let mb = 0; mb < holdMb; mb++) held.push(new Array(128 * 1024).fill(mb));
    await new Promise((r) => setTimeout(r, waitMs));
    await writeFile(mark, `${left}${held.length > 0 ? ` ${held.length}` : ''}`);
  }
  return { batchItemFailures: [] };
}
