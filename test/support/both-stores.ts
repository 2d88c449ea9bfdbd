/**
 * The two stores a store test runs against: the in-memory fake and the DynamoDB adapter on dynalite (free port,
 * one table shared by the cases of a file). Registers the hooks that start and stop dynalite.
 */
import { afterAll, beforeAll } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../local/servers.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';
import { MemoryStore } from '../../shared/store/memory.js';
import type {
  FeedStore,
  FileIndex,
  IngestStore,
  RejectionStore,
  TopicRecount,
} from '../../shared/store/types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Every interface the stores implement. */
export type Store = IngestStore & FeedStore & RejectionStore & FileIndex & TopicRecount;

export function bothStores(table: string): {
  stores: [string, () => Store][];
  /** dynalite, once started. */
  dynamo: () => LocalDynamo;
} {
  let dynamo: LocalDynamo | undefined;
  beforeAll(async () => {
    dynamo = await startDynamo();
    await ensureTable(dynamo.client, table);
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  const started = () => {
    if (!dynamo) throw new Error('dynalite is not started yet');
    return dynamo;
  };
  return {
    stores: [
      ['the in-memory store', () => new MemoryStore()],
      ['the DynamoDB adapter', () => new DynamoStore(started().client, table)],
    ],
    dynamo: started,
  };
}
