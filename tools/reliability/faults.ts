/**
 * DynamoDB outage in the middle of an ingest: N article files are uploaded and ingested through the local
 * pipeline (s3rver -> notifications -> queue -> ingest handler -> dynalite in another process); when half
 * are done, dynalite is killed (SIGKILL), kept down, then started again on the same port and data. Every file
 * must end ingested exactly once, none rejected: the table must equal a clean ingest of the same events.
 *
 *   node --import tsx reliability/faults.ts --root DIR [--files 2000] [--outage 10]
 * Prints `{"faults":{…}}`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateCorpus } from '../bench/corpus.js';
import { cleanIngest, startPipeline, TABLE } from './pipeline.js';
import { type Child, startTsx } from './processes.js';
import { checkOnce, diffDumps, dumpTable, tableFigures } from './tables.js';

const { values } = parseArgs({
  options: { root: { type: 'string' }, files: { type: 'string' }, outage: { type: 'string' } },
});
if (!values.root) throw new Error('--root DIR is required');
const FILES = Number(values.files ?? 2000);
const OUTAGE_MS = Number(values.outage ?? 10) * 1000;
const dynamoPath = path.join(values.root, 'dynamo');
await mkdir(dynamoPath, { recursive: true });

interface Dynalite {
  port: number;
  pid: number;
}
const startDynalite = (port = 0) =>
  startTsx<Dynalite>('dynalite-process.ts', 'dynalite', ['--path', dynamoPath, '--port', String(port)]);

let dynalite: Child<Dynalite> = startDynalite();
const { port } = await dynalite.first;
const pipeline = await startPipeline({
  s3Dir: path.join(values.root, 's3'),
  dynamoEndpoint: `http://127.0.0.1:${port}`,
});

const files = [...generateCorpus({ count: FILES })];
const started = Date.now();
const done = () => pipeline.queue.stats().done;

// The outage: when half the files are ingested, kill dynalite, wait, start it again on the same port.
const outage = (async () => {
  while (done() < FILES / 2) await new Promise((r) => setTimeout(r, 20));
  const at = { ms: Date.now() - started, ingested: done() };
  dynalite.process.kill('SIGKILL');
  await dynalite.exited;
  const down = Date.now();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  dynalite = startDynalite(port);
  await dynalite.first;
  const restarted = Date.now();
  return { ...at, downMs: restarted - down, ingestedWhileDown: done() - at.ingested, restartedAt: restarted };
})();

let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < files.length) {
      const f = files[next++] as (typeof files)[number];
      await pipeline.put(f.key, f.text);
    }
  }),
);
const uploadedMs = Date.now() - started;
const o = await outage;
await pipeline.queue.idle();
const drainedMs = Date.now() - o.restartedAt;
const totalMs = Date.now() - started;
const { retries } = pipeline.queue.stats();

const ingested = await dumpTable(pipeline.dynamo, TABLE);
await cleanIngest(pipeline, 'clean');
const clean = await dumpTable(pipeline.dynamo, 'clean');
const once = checkOnce(ingested);
const expectedArticles = checkOnce(clean).articles;
const differences = diffDumps(clean, ingested, ['clean', 'faulted']);

await pipeline.close();
await dynalite.stop();

process.stdout.write(
  `${JSON.stringify({
    faults: {
      files: FILES,
      outage: {
        afterIngested: o.ingested,
        atMs: o.ms,
        downMs: o.downMs,
        ingestedWhileDown: o.ingestedWhileDown,
      },
      uploadedMs,
      drainedAfterRestartMs: drainedMs,
      totalMs,
      failedDeliveries: retries,
      expectedArticles,
      ...tableFigures(once, differences, ingested.size),
    },
  })}\n`,
);
process.exit(0);
