/**
 * Counts DynamoDB capacity units of every request a client sends, without changing the code that sends them:
 * a middleware asks each request for `ReturnConsumedCapacity: "TOTAL"` and adds up the answers. dynalite
 * counts the table's units as DynamoDB does (docs/PERFORMANCE.md, row 7) but charges no global secondary
 * index write: those are computed here by DynamoDB's rule (a write that changes a projected attribute of an
 * item carrying the index's keys writes the index too; with an ALL projection, for as many units as the table
 * write). Items carrying the keys: those a request gives them, and the metadata item of every feed but the
 * all-articles one (table-layout.ts), whatever it writes (its count, its name, a count token). Not seen: a
 * file record's write that drops its key (a rejected file accepted later; none here).
 */
import { type AttributeValue, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../../shared/store/dynamodb.js';
import { feedIndexKey, itemOf } from '../../shared/store/table-layout.js';

export interface CapacityTotals {
  read: number;
  write: number;
  /** Write units of the global secondary index, computed (see above). */
  indexWrite: number;
  /** Requests by operation (GetItem, Query, PutItem, …). */
  requests: Record<string, number>;
  /** Of those, the strongly consistent reads by operation. */
  consistent: Record<string, number>;
  /** Units (read or write, table only) by operation. */
  units: Record<string, number>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Whether a serialized write request writes the index too (see above). */
function writesIndexKey(op: string, body: Record<string, unknown>): boolean {
  const key = TABLE_SCHEMA.gsi1.partitionKey;
  const pk = (body.Key ?? body.Item) as Record<string, { S?: string }> | undefined;
  const item = itemOf(pk?.[TABLE_SCHEMA.partitionKey]?.S ?? '');
  if (item?.kind === 'feed' && feedIndexKey(item.feed ?? '') !== undefined) return true;
  if (op === 'PutItem') return key in ((body.Item as Record<string, unknown>) ?? {});
  if (op === 'UpdateItem') {
    const names = (body.ExpressionAttributeNames as Record<string, string>) ?? {};
    const expression = String(body.UpdateExpression ?? '');
    const set = /\bSET\b([\s\S]*?)(\b(ADD|REMOVE|DELETE)\b|$)/i.exec(expression)?.[1] ?? '';
    return set
      .split(',')
      .map((a) => a.split('=')[0]?.trim() ?? '')
      .some((attr) => attr === key || names[attr] === key);
  }
  return false;
}

type Middleware = Parameters<DynamoDBClient['middlewareStack']['addRelativeTo']>[0];
interface Args {
  request?: { headers: Record<string, string>; body?: unknown };
}

type ConsumedCapacity = { CapacityUnits?: number };
const unitsOf = (c: unknown): number =>
  Array.isArray(c)
    ? c.reduce((s: number, x: ConsumedCapacity) => s + (x.CapacityUnits ?? 0), 0)
    : ((c as ConsumedCapacity | undefined)?.CapacityUnits ?? 0);

const ZERO: CapacityTotals = { read: 0, write: 0, indexWrite: 0, requests: {}, consistent: {}, units: {} };

/** Attaches a meter to a client (and every DynamoDBDocumentClient made from it: they share its middleware). */
export function meterClient(client: DynamoDBClient) {
  let totals = structuredClone(ZERO);
  const middleware =
    (next: (args: Args) => Promise<{ output: Record<string, unknown> }>) => async (args: Args) => {
      const request = args.request;
      const op = request?.headers['x-amz-target']?.split('.')[1] ?? 'unknown';
      let indexed = false;
      let consistent = false;
      // The serializer leaves the JSON body as a string or as UTF-8 bytes, depending on the SDK version.
      const raw = request?.body;
      if (request && (typeof raw === 'string' || raw instanceof Uint8Array)) {
        const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
        const body = JSON.parse(text) as Record<string, unknown>;
        indexed = WRITES.has(op) && writesIndexKey(op, body);
        consistent = body.ConsistentRead === true;
        if (op !== 'CreateTable' && op !== 'DescribeTable') body.ReturnConsumedCapacity = 'TOTAL';
        const json = JSON.stringify(body);
        request.body = typeof raw === 'string' ? json : new TextEncoder().encode(json);
      }
      const result = await next(args);
      const units = unitsOf(result.output.ConsumedCapacity);
      totals.requests[op] = (totals.requests[op] ?? 0) + 1;
      totals.units[op] = (totals.units[op] ?? 0) + units;
      if (consistent) totals.consistent[op] = (totals.consistent[op] ?? 0) + 1;
      if (WRITES.has(op)) {
        totals.write += units;
        if (indexed) totals.indexWrite += units;
      } else totals.read += units;
      return result;
    };
  client.middlewareStack.addRelativeTo(middleware as unknown as Middleware, {
    relation: 'after',
    toMiddleware: 'serializerMiddleware',
    name: 'benchCapacityMeter',
    override: true,
  });
  return {
    totals: () => structuredClone(totals),
    reset: () => {
      totals = structuredClone(ZERO);
    },
  };
}

/** Every item of a table, as DynamoDB JSON. */
export async function scanItems(client: DynamoDBClient, table: string) {
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of paginateScan({ client }, { TableName: table })) items.push(...(page.Items ?? []));
  return items;
}

/** "1 GetItem (0.5 units) + 1 Query (strongly consistent, 9 units)": requests by operation, with their notes. */
export const describeRequests = (
  requests: Record<string, number>,
  consistent: Record<string, number> = {},
  units: Record<string, number> = {},
) =>
  Object.entries(requests)
    .map(([op, n]) => {
      const c = consistent[op];
      const notes = [
        c ? `${c === n ? '' : `${c} `}strongly consistent` : '',
        units[op] !== undefined ? `${units[op]} units` : '',
      ];
      return `${n} ${op}${notes.some(Boolean) ? ` (${notes.filter(Boolean).join(', ')})` : ''}`;
    })
    .join(' + ');
