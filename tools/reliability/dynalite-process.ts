/**
 * dynalite in a process of its own, persisted under --path, so a fault run can kill it (SIGKILL: no clean
 * shutdown) and start it again on the same port with the same data, as a DynamoDB outage.
 *
 *   node --import tsx reliability/dynalite-process.ts --path DIR [--port N]
 * Prints `{"dynalite":{"port":N}}` once listening; stops when its stdin closes.
 */
import { parseArgs } from 'node:util';
import { startDynamo } from '../../local/servers.js';

const { values } = parseArgs({ options: { path: { type: 'string' }, port: { type: 'string' } } });
if (!values.path) throw new Error('--path DIR is required');

const dynamo = await startDynamo({ path: values.path, port: Number(values.port ?? 0) });
process.stdout.write(
  `${JSON.stringify({ dynalite: { port: Number(new URL(dynamo.endpoint).port), pid: process.pid } })}\n`,
);
process.stdin.on('end', () => void dynamo.close().then(() => process.exit(0)));
process.stdin.resume();
