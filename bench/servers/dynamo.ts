/**
 * dynalite in a child process of the bench, so that seeding a large table and querying it use the other core
 * than the bench's own work. In memory, or on disk under BENCH_DYNAMO_PATH. Prints its endpoint when ready.
 */
import { startDynamo } from '../../local/servers.js';
import { announceReady } from '../lib/procs.js';

const dynamo = await startDynamo({ path: process.env.BENCH_DYNAMO_PATH || undefined });
announceReady({ endpoint: dynamo.endpoint });
process.on('SIGTERM', () => {
  void dynamo.close().finally(() => process.exit(0));
});
