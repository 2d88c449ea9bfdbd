/**
 * The faults, throttle and time-limit checks: DynamoDB failing in the middle of an ingest through the local
 * pipeline (pipeline.ts), each file ingested exactly once all the same (what each requires:
 * docs/RELIABILITY.md).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DeadLetter } from '../../local/event-queue.js';
import { IngestFunction } from '../../local/ingest-function.js';
import { startDynamo } from '../../local/servers.js';
import { INGEST_TIMEOUT_S } from '../../shared/limits.js';
import { generateCorpus } from '../lib/corpus.js';
import { beside, type Child, startTs } from '../lib/procs.js';
import { mapLimit, sleep } from '../lib/stats.js';
import { fmt, inChild, type Options, type Outcome, sec, verdictOf } from './check.js';
import { againstClean, ingestedOnce, startPipeline } from './pipeline.js';

export async function outage(o: { root: string; files: number; outageS: number }) {
  const dynamoPath = path.join(o.root, 'dynamo');
  await mkdir(dynamoPath, { recursive: true });
  const script = beside(import.meta.url, 'dynalite-process.ts');
  const startDynalite = (port = 0) =>
    startTs<{ port: number }>(script, [dynamoPath, String(port)], { key: 'dynalite', echo: true });
  let dynalite: Child<{ port: number }> = await startDynalite();
  const { port } = dynalite.info;
  const pipeline = await startPipeline({ root: o.root, dynamoEndpoint: `http://127.0.0.1:${port}` });
  const files = [...generateCorpus({ count: o.files })];
  const started = Date.now();
  const done = () => pipeline.queue.stats().done;

  const restart = (async () => {
    while (done() < o.files / 2) await sleep(20);
    const at = { ms: Date.now() - started, ingested: done() };
    dynalite.process.kill('SIGKILL');
    await dynalite.exited;
    const down = Date.now();
    await sleep(o.outageS * 1000);
    dynalite = await startDynalite(port);
    const restarted = Date.now();
    return { ...at, downMs: restarted - down, ingestedWhileDown: done() - at.ingested, restarted };
  })();
  await mapLimit(files, 8, (f) => pipeline.put(f.key, f.text));
  const uploadedMs = Date.now() - started;
  const { restarted, ...out } = await restart;
  await pipeline.queue.idle();
  const drainedAfterRestartMs = Date.now() - restarted;
  const totalMs = Date.now() - started;
  const { figures } = await againstClean(pipeline, 'faulted');
  await pipeline.close();
  await dynalite.stop();
  const failedDeliveries = pipeline.queue.stats().retries;
  return {
    ...figures,
    files: o.files,
    outage: out,
    uploadedMs,
    drainedAfterRestartMs,
    totalMs,
    failedDeliveries,
  };
}

export async function faultsCheck(root: string, o: Options): Promise<Outcome> {
  const f = await inChild('faults', outage, { root, files: Number(o.files), outageS: Number(o.outage) });
  const { ok, notes, line } = ingestedOnce(f, f.files);
  const lines = [
    `- **DynamoDB outage during ingest**: ${fmt(f.files)} files; dynalite killed (SIGKILL) after ${fmt(f.outage.ingested)} were ingested, ` +
      `down ${sec(f.outage.downMs)}, restarted on the same port and data; drained ${sec(f.drainedAfterRestartMs)} after the restart (${sec(f.totalMs)} in all), ` +
      `${fmt(f.failedDeliveries)} deliveries failed and were redelivered. ${line}`,
  ];
  return { verdict: verdictOf(ok), notes, lines, result: f };
}

/** Per mode: the share of data requests throttled, the time limit, and the part of --limits-files ingested. */
const MODES = {
  throttle: { title: 'DynamoDB throttling during ingest', share: 0.2, limitS: INGEST_TIMEOUT_S, part: 1 },
  'time-limit': { title: 'Handler time limit overrun during ingest', share: 0.3, limitS: 2, part: 0.5 },
};
type Mode = keyof typeof MODES;

export async function limits(o: { root: string; mode: Mode; files: number; share: number; limitS: number }) {
  const timeoutMs = o.limitS * 1000;
  const dynamo = await startDynamo({ throttle: o.share });
  const deadLetters: DeadLetter[] = [];
  let fn: IngestFunction | undefined;
  const pipeline = await startPipeline({
    root: o.root,
    dynamoEndpoint: dynamo.endpoint,
    // Quick redeliveries (the receive count, not the wait, decides what is dead-lettered).
    queue: {
      concurrency: 4,
      retryMs: 50,
      maxRetryMs: 400,
      handler: (event) => (fn as IngestFunction).invoke(event),
      onDeadLetter: (letter) => deadLetters.push(letter),
    },
  });
  // The handler in its local Lambda environments, with the environment the pipeline set up for it.
  fn = new IngestFunction({ ...process.env } as Record<string, string>, 2, { timeoutMs });
  await fn.start();

  const started = Date.now();
  await mapLimit([...generateCorpus({ count: o.files })], 8, (f) => pipeline.put(f.key, f.text));
  await pipeline.queue.idle();
  const ingestMs = Date.now() - started;
  const failedDeliveries = pipeline.queue.stats().retries;
  const counts = await dynamo.throttleCounts();

  // The throttling stops; what was dead-lettered is redriven, as an operator would, with the function's limit.
  dynamo.throttle(0);
  fn.timeoutMs = INGEST_TIMEOUT_S * 1000;
  const stopped = fn.timeouts;
  const deadLettered = deadLetters.length;
  pipeline.queue.redrive(deadLetters.splice(0));
  await pipeline.queue.idle();
  const totalMs = Date.now() - started;
  const { figures } = await againstClean(pipeline, o.mode);
  await fn.close();
  await pipeline.close();
  await dynamo.close();
  return {
    ...figures,
    mode: o.mode,
    files: o.files,
    throttleShare: o.share,
    timeoutMs,
    ingestMs,
    totalMs,
    failedDeliveries,
    dataRequests: counts.requests,
    throttled: counts.throttled,
    invocationsStopped: stopped,
    stoppedAfterRedrive: fn.timeouts - stopped,
    deadLettered,
    deadLetteredAfterRedrive: deadLetters.length,
  };
}

export const limitsCheck =
  (mode: Mode) =>
  async (root: string, o: Options): Promise<Outcome> => {
    const { title, share, limitS, part } = MODES[mode];
    const files = Math.ceil(Number(o['limits-files']) * part);
    const m = await inChild('faults', limits, { root, mode, files, share, limitS });
    const { ok, notes, line } = ingestedOnce(m, m.files);
    // Throttling alone must cost no dead letter; the time-limit run must really overrun its limit.
    const exercised =
      mode === 'throttle' ? m.deadLettered === 0 && m.throttled > 0 : m.invocationsStopped > 0;
    if (!exercised)
      notes.push(
        mode === 'throttle'
          ? `${m.deadLettered} messages were dead-lettered under throttling alone.`
          : 'No invocation overran the time limit: the check did not test it.',
      );
    const lines = [
      `- **${title}**: ${fmt(m.files)} files ingested through the queue and the handler's local Lambda environments ` +
        `(time limit ${sec(m.timeoutMs)}) while the local DynamoDB throttled ${Math.round(m.throttleShare * 100)} % of data requests ` +
        `(${fmt(m.throttled)} of ${fmt(m.dataRequests)} answered ProvisionedThroughputExceededException): ${sec(m.ingestMs)}, ` +
        `${fmt(m.failedDeliveries)} deliveries failed and were redelivered, **${fmt(m.invocationsStopped)} invocations stopped at the time limit, ` +
        `${fmt(m.deadLettered)} messages dead-lettered** after 5 receives` +
        (m.deadLettered
          ? ` (redriven once the throttling stopped: ${fmt(m.deadLetteredAfterRedrive)} dead-lettered again)`
          : '') +
        `. ${line}`,
    ];
    return { verdict: verdictOf(ok && exercised), notes, lines, result: m };
  };
