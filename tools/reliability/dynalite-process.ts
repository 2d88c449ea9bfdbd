/**
 * dynalite in a process of its own, persisted under --path, so a fault run can kill it (SIGKILL: no clean
 * shutdown) and start it again on the same port with the same data, as a DynamoDB outage.
 *
 *   node --import tsx tools/reliability/dynalite-process.ts --path DIR [--port N]
 * Prints `{"dynalite":{"port":N}}` once listening.
 */
import { parseArgs } from 'node:util';
import { startDynamo } from '../../local/servers.js';
import { announce, onStop } from '../lib/procs.js';

const { values } = parseArgs({ options: { path: { type: 'string' }, port: { type: 'string' } } });
const dynamo = await startDynamo({ path: values.path, port: Number(values.port ?? 0) });
announce('dynalite', { port: Number(new URL(dynamo.endpoint).port) });
onStop(() => dynamo.close());
