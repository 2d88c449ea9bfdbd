/**
 * DynamoDB outage in the middle of an ingest: N article files are uploaded and ingested through the local
 * pipeline (s3rver -> notifications -> queue -> ingest handler -> dynalite in another process); when half
 * are done, dynalite is killed (SIGKILL), kept down, then started again on the same port and data. Every file
 * must end ingested exactly once, none rejected: the table must equal a clean ingest of the same events.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generateCorpus } from '../lib/corpus.js';
import { beside, type Child, startTs } from '../lib/procs.js';
import { mapLimit, sleep } from '../lib/stats.js';
import { fmt, inChild, type Options, type Outcome, sec, verdictOf } from './check.js';
import { againstClean, ingestedOnce, startPipeline, tableLine } from './pipeline.js';

export async function scenario(o: { root: string; files: number; outageS: number }) {
  const dynamoPath = path.join(o.root, 'dynamo');
  await mkdir(dynamoPath, { recursive: true });
  const startDynalite = (port = 0) =>
    startTs<{ port: number }>(
      beside(import.meta.url, 'dynalite-process.ts'),
      ['--path', dynamoPath, '--port', String(port)],
      {
        key: 'dynalite',
        echo: true,
      },
    );
  let dynalite: Child<{ port: number }> = await startDynalite();
  const { port } = dynalite.info;
  const pipeline = await startPipeline({
    s3Dir: path.join(o.root, 's3'),
    dynamoEndpoint: `http://127.0.0.1:${port}`,
  });
  const files = [...generateCorpus({ count: o.files })];
  const started = Date.now();
  const done = () => pipeline.queue.stats().done;

  // The outage: when half the files are ingested, kill dynalite, wait, start it again on the same port.
  const outage = (async () => {
    while (done() < o.files / 2) await sleep(20);
    const at = { ms: Date.now() - started, ingested: done() };
    dynalite.process.kill('SIGKILL');
    await dynalite.exited;
    const down = Date.now();
    await sleep(o.outageS * 1000);
    dynalite = await startDynalite(port);
    const restarted = Date.now();
    return {
      ...at,
      downMs: restarted - down,
      ingestedWhileDown: done() - at.ingested,
      restartedAt: restarted,
    };
  })();
  await mapLimit(files, 8, (f) => pipeline.put(f.key, f.text));
  const uploadedMs = Date.now() - started;
  const { restartedAt, ...out } = await outage;
  await pipeline.queue.idle();
  const drainedAfterRestartMs = Date.now() - restartedAt;
  const totalMs = Date.now() - started;
  const table = await againstClean(pipeline, 'faulted');
  await pipeline.close();
  await dynalite.stop();
  const failedDeliveries = pipeline.queue.stats().retries;
  return {
    files: o.files,
    outage: out,
    uploadedMs,
    drainedAfterRestartMs,
    totalMs,
    failedDeliveries,
    ...table,
  };
}

export async function faultsCheck(root: string, o: Options): Promise<Outcome> {
  const f: Awaited<ReturnType<typeof scenario>> = await inChild('faults', {
    root,
    files: Number(o.files),
    outageS: Number(o.outage),
  });
  const { ok, notes } = ingestedOnce(f, f.files);
  const lines = [
    `- **DynamoDB outage during ingest**: ${fmt(f.files)} files; dynalite killed (SIGKILL) after ${fmt(f.outage.ingested)} were ingested, ` +
      `down ${sec(f.outage.downMs)}, restarted on the same port and data; drained ${sec(f.drainedAfterRestartMs)} after the restart (${sec(f.totalMs)} in all), ` +
      `${fmt(f.failedDeliveries)} deliveries failed and were redelivered. ${tableLine(f, f.files)}`,
  ];
  return { verdict: verdictOf(ok), notes, lines, result: f };
}
