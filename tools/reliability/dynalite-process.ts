/**
 * dynalite in a process of its own, persisted in DIR, so a fault run can kill it (SIGKILL: no clean shutdown)
 * and start it again on the same port with the same data, as a DynamoDB outage.
 *
 *   node --import tsx tools/reliability/dynalite-process.ts DIR [PORT]
 * Prints `{"dynalite":{"port":N}}` once listening.
 */
import { startDynamo } from '../../local/servers.js';
import { announce, onStop } from '../lib/procs.js';

const [path, port = '0'] = process.argv.slice(2);
const dynamo = await startDynamo({ path, port: Number(port) });
announce('dynalite', { port: Number(new URL(dynamo.endpoint).port) });
onStop(() => dynamo.close());
