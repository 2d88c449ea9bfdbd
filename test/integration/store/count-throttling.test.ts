/**
 * A topic's count change follows an entry write that a redelivered event cannot redo, so the adapter tries a
 * count change refused by throttling again beyond the SDK's attempts (nothing of a throttled request is applied),
 * and leaves every other failure to the caller (an ADD that timed out may have been applied).
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoStore } from '../../../shared/store/dynamodb.js';
import { dynaliteTable } from '../../support/dynalite-table.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const TABLE = 'count-throttling';
const local = dynaliteTable(TABLE);

/** A client on dynalite whose next `refusals` UpdateItem requests fail with `error` before reaching it. */
function refusingClient(refusals: number, error: { name: string; message: string }) {
  const client = new DynamoDBClient({
    endpoint: local.dynamo().endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  let left = refusals;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  (client as unknown as { send: (command: unknown) => Promise<unknown> }).send = (command) => {
    if (command instanceof UpdateItemCommand && left > 0) {
      left--;
      return Promise.reject(Object.assign(new Error(error.message), { name: error.name }));
    }
    return send(command);
  };
  return { client, refused: () => refusals - left };
}

const change = (slug: string, countDelta: number) => ({
  slug,
  name: slug,
  nameGivenAt: '2026-01-01T00:00:00.000Z',
  countDelta,
  at: '2026-01-01T00:00:00.000Z',
});

describe('a topic count change refused by throttling', () => {
  it('is tried again beyond the SDK’s attempts, and counted once', async () => {
    const { client, refused } = refusingClient(3, {
      name: 'ProvisionedThroughputExceededException',
      message: 'The level of configured provisioned throughput for the table was exceeded.',
    });
    const store = new DynamoStore(client, TABLE);
    await store.touchTopic(change('throttled', 1));
    expect(refused()).toBe(3);
    expect((await new DynamoStore(local.dynamo().client, TABLE).getTopic('throttled'))?.count).toBe(1);
  });

  it('fails after a bounded number of rounds, with nothing counted', async () => {
    const { client } = refusingClient(10, { name: 'ThrottlingException', message: 'Rate exceeded' });
    await expect(new DynamoStore(client, TABLE).touchTopic(change('always-throttled', 1))).rejects.toThrow(
      'Rate exceeded',
    );
    expect(await new DynamoStore(local.dynamo().client, TABLE).getTopic('always-throttled')).toBeUndefined();
  });

  it('is not tried again after a failure that may have been applied (a time-out), nor without a count change', async () => {
    const timedOut = refusingClient(1, { name: 'TimeoutError', message: 'Request timed out' });
    await expect(new DynamoStore(timedOut.client, TABLE).touchTopic(change('timed-out', 1))).rejects.toThrow(
      'timed out',
    );
    expect(timedOut.refused()).toBe(1);
    const noCount = refusingClient(1, { name: 'ThrottlingException', message: 'Rate exceeded' });
    await expect(new DynamoStore(noCount.client, TABLE).touchTopic(change('no-count', 0))).rejects.toThrow(
      'Rate exceeded',
    );
  });
});
