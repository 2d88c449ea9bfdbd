/**
 * dynalite (free port) with one table of the app's layout, shared by the cases of a test file: registers the
 * hooks that start and stop it.
 */
import { afterAll, beforeAll } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../local/servers.js';
import { ensureTable } from '../../shared/store/dynamodb.js';

export function dynaliteTable(table: string): { dynamo: () => LocalDynamo } {
  let dynamo: LocalDynamo | undefined;
  beforeAll(async () => {
    dynamo = await startDynamo();
    await ensureTable(dynamo.client, table);
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  return {
    dynamo: () => {
      if (!dynamo) throw new Error('dynalite is not started yet (use it inside a test)');
      return dynamo;
    },
  };
}
