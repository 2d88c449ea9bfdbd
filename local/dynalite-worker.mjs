// dynalite in a worker thread, so the table's work runs on its own core beside the handlers and s3rver.
// Started by startDynamo (servers.ts): workerData { port, path, throttle }; posts { port } once listening, or
// { error }; on the message 'close' it closes the server and its database, then posts { closed: true };
// { throttle: share } changes the throttle mode's share, { counts: true } is answered with { counts }.
import { parentPort, workerData } from 'node:worker_threads';
import { createDynalite } from './dynalite-fixes.mjs';
import { throttleDynalite } from './dynalite-throttle.mjs';

// With the fixes of dynalite-fixes.mjs: range reads close their LevelDB iterators, and closing under load
// does not throw.
const { server } = createDynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  path: workerData.path,
});
const throttle = throttleDynalite(server, workerData.throttle);
server.once('error', (error) =>
  parentPort.postMessage({ error: { message: error.message, code: error.code } }),
);
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message?.throttle !== undefined) return throttle.set(message.throttle);
  if (message?.counts) return parentPort.postMessage({ counts: throttle.counts });
  if (message !== 'close') return;
  server.closeAllConnections?.();
  server.close(() => {
    parentPort.postMessage({ closed: true });
    parentPort.close();
  });
});
