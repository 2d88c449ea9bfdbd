/**
 * The local dynalite measures sizes as DynamoDB does (local/dynalite-fixes.mjs, fixDynaliteSizes): items and
 * the keys of the table and its index in UTF-8 bytes, refused with DynamoDB's messages. CJK characters (one
 * UTF-16 unit, three bytes) and astral ones (two units, four bytes) at the exact edges, against a real
 * dynalite over HTTP.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynalite } from '../../../local/dynalite-fixes.mjs';
import { tableDefinition } from '../../../shared/store/dynamodb.js';
import { DYNAMO_LIMITS, itemBytes } from '../../../shared/store/limits.js';

let server: Server;
let client: DynamoDBClient;

beforeAll(async () => {
  ({ server } = createDynalite({ createTableMs: 0 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  // The project's own table: keys pk, sk; index gsi1 on gsi1pk, gsi1sk.
  await client.send(new CreateTableCommand(tableDefinition('tbl')));
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: 'tbl' },
  );
});

afterAll(async () => {
  client?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

type Item = Record<string, AttributeValue>;
const put = (Item: Item) => client.send(new PutItemCommand({ TableName: 'tbl', Item }));

/** The error a request ends with, as name and message. */
async function refusal(request: Promise<unknown>): Promise<{ name: string; message: string } | undefined> {
  try {
    await request;
    return undefined;
  } catch (e) {
    const { name, message } = e as Error;
    return { name, message };
  }
}

const CJK = '北'; // 1 UTF-16 unit, 3 UTF-8 bytes
const ASTRAL = '😀'; // 2 UTF-16 units, 4 UTF-8 bytes

/** A string of exactly `bytes` UTF-8 bytes, mostly CJK. */
const cjkBytes = (bytes: number) => CJK.repeat(Math.floor(bytes / 3)) + 'a'.repeat(bytes % 3);

describe('item size in UTF-8 bytes', () => {
  // pk "p", sk "s", attribute "b": 3 + 3 + 1 bytes besides b's value.
  const item = (body: string): Item => ({ pk: { S: 'p' }, sk: { S: 's' }, b: { S: body } });
  const limit = DYNAMO_LIMITS.itemBytes;

  it('stores an item of exactly 400 KB of CJK text and refuses one byte more', async () => {
    const edge = item(cjkBytes(limit - 7));
    expect(itemBytes(edge)).toBe(limit);
    // 136,531 UTF-16 units: a third of the limit as dynalite counted before the fix.
    expect(edge.b?.S?.length).toBeLessThan(limit / 2);
    expect(await refusal(put(edge))).toBeUndefined();
    expect(await refusal(put(item(`${cjkBytes(limit - 7)}a`)))).toEqual({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
  });

  it('counts attribute names and nested strings in UTF-8 bytes too', async () => {
    // Keys 6 bytes; a map attribute "m" with one element named "北" holding a string: 1 + 3 + 1 + 3 + value.
    const nested = (value: string): Item => ({
      pk: { S: 'p' },
      sk: { S: 'm' },
      m: { M: { [CJK]: { S: value } } },
    });
    const room = limit - 6 - (1 + 3 + 1 + 3);
    expect(itemBytes(nested(cjkBytes(room)))).toBe(limit);
    expect(await refusal(put(nested(cjkBytes(room))))).toBeUndefined();
    expect((await refusal(put(nested(cjkBytes(room + 1)))))?.message).toBe(
      'Item size has exceeded the maximum allowed size',
    );
  });

  it('refuses a batch write and an update past 400 KB of UTF-8 bytes', async () => {
    const tooLarge = item(cjkBytes(limit - 6));
    expect(
      await refusal(
        client.send(
          new BatchWriteItemCommand({ RequestItems: { tbl: [{ PutRequest: { Item: tooLarge } }] } }),
        ),
      ),
    ).toEqual({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
    await put(item(cjkBytes(limit - 7 - 6)));
    const update = new UpdateItemCommand({
      TableName: 'tbl',
      Key: { pk: { S: 'p' }, sk: { S: 's' } },
      UpdateExpression: 'SET c = :c',
      ExpressionAttributeValues: { ':c': { S: ASTRAL } },
    });
    // "c" and its 4 bytes: 5 more bytes fill the 6 left, with one to spare...
    expect(await refusal(client.send(update))).toBeUndefined();
    // ... and two astral characters do not fit.
    update.input.ExpressionAttributeValues = { ':c': { S: ASTRAL.repeat(2) } };
    expect(await refusal(client.send(update))).toEqual({
      name: 'ValidationException',
      message: 'Item size to update has exceeded the maximum allowed size',
    });
  });
});

describe('key sizes in UTF-8 bytes', () => {
  const hashMessage =
    'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes';
  const rangeMessage =
    'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes';

  it('a partition key of 2048 bytes fits, 2049 do not: on put, get and delete', async () => {
    const fits = cjkBytes(2048);
    expect(await refusal(put({ pk: { S: fits }, sk: { S: 's' } }))).toBeUndefined();
    const over = cjkBytes(2049);
    expect(over.length).toBeLessThan(2048 / 2);
    const key = { pk: { S: over }, sk: { S: 's' } };
    for (const request of [
      put(key),
      client.send(new GetItemCommand({ TableName: 'tbl', Key: key })),
      client.send(new DeleteItemCommand({ TableName: 'tbl', Key: key })),
    ]) {
      expect(await refusal(request)).toEqual({ name: 'ValidationException', message: hashMessage });
    }
  });

  it('a sort key of 1024 bytes fits, 1025 do not (CJK and astral)', async () => {
    expect(await refusal(put({ pk: { S: 'p' }, sk: { S: cjkBytes(1024) } }))).toBeUndefined();
    expect(await refusal(put({ pk: { S: 'p' }, sk: { S: ASTRAL.repeat(256) } }))).toBeUndefined();
    for (const sk of [cjkBytes(1025), `${ASTRAL.repeat(256)}a`]) {
      expect(await refusal(put({ pk: { S: 'p' }, sk: { S: sk } }))).toEqual({
        name: 'ValidationException',
        message: rangeMessage,
      });
    }
  });

  it("an index's keys are checked too, with the index's name", async () => {
    const base = { pk: { S: 'p' }, sk: { S: 'g' } };
    expect(
      await refusal(put({ ...base, gsi1pk: { S: cjkBytes(2048) }, gsi1sk: { S: cjkBytes(1024) } })),
    ).toBeUndefined();
    expect(await refusal(put({ ...base, gsi1pk: { S: 'REJECTED' }, gsi1sk: { S: cjkBytes(1025) } }))).toEqual(
      {
        name: 'ValidationException',
        message:
          'One or more parameter values were invalid: Size limit exceeded for Index Key gsi1sk Actual Size: 1025 bytes Max Size: 1024 bytes IndexName: gsi1',
      },
    );
    expect(await refusal(put({ ...base, gsi1pk: { S: cjkBytes(2049) }, gsi1sk: { S: 'x' } }))).toEqual({
      name: 'ValidationException',
      message:
        'One or more parameter values were invalid: Size limit exceeded for Index Key gsi1pk Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: gsi1',
    });
  });
});
