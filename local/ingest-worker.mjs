// The ingest function's worker thread starts here, in plain JavaScript: it loads TypeScript support for this
// thread (tsx), then the environment itself (ingest-worker.ts).
import { tsImport } from 'tsx/esm/api';

await tsImport('./ingest-worker.ts', import.meta.url);
