/**
 * The two stores a store test runs against: the in-memory fake and the DynamoDB adapter on dynalite (free port,
 * one table shared by the cases of a file). Registers the hooks that start and stop dynalite.
 */
import type { LocalDynamo } from '../../local/servers.js';
import { DynamoStore } from '../../shared/store/dynamodb.js';
import { MemoryStore } from '../../shared/store/memory.js';
import type {
  FeedStore,
  FileIndex,
  IngestStore,
  RejectionStore,
  TopicRecount,
} from '../../shared/store/types.js';
import { dynaliteTable } from './dynalite-table.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Every interface the stores implement. */
export type Store = IngestStore & FeedStore & RejectionStore & FileIndex & TopicRecount;

export function bothStores(table: string): {
  stores: [string, () => Store][];
  /** dynalite, once started. */
  dynamo: () => LocalDynamo;
} {
  const { dynamo: started } = dynaliteTable(table);
  return {
    stores: [
      ['the in-memory store', () => new MemoryStore()],
      ['the DynamoDB adapter', () => new DynamoStore(started().client, table)],
    ],
    dynamo: started,
  };
}
