// A function's worker thread starts here, in plain JavaScript: it loads TypeScript support for the thread
// (tsx), then the environment named in workerData.entry (ingest-worker.ts, feeds-worker.ts), wherever the
// stack was started from (npm start, tests, the bench).
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
