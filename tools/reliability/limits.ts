/**
 * AWS's limits during an ingest: N article files are uploaded and ingested through the local pipeline
 * (s3rver -> notifications -> queue with receive counts and a dead-letter list -> the ingest handler in its
 * local Lambda environments, with their time limit) while the local DynamoDB throttles a share of the data
 * requests (ProvisionedThroughputExceededException).
 * - `throttle`: the functions' own time limit (shared/limits.ts); nothing may be dead-lettered.
 * - `time-limit`: a time limit that throttled batches overrun, so invocations are stopped and messages cut
 *   off; whatever is dead-lettered is redriven once the throttling stops (under the function's own time
 *   limit, as after a fix). The run must have stopped at least one invocation.
 * Either way every file must end ingested once: the table must equal a clean ingest of the same events.
 */
import path from 'node:path';
import type { DeadLetter } from '../../local/event-queue.js';
import { IngestFunction } from '../../local/ingest-function.js';
import { startDynamo } from '../../local/servers.js';
import { INGEST_TIMEOUT_S } from '../../shared/limits.js';
import { generateCorpus } from '../lib/corpus.js';
import { mapLimit } from '../lib/stats.js';
import { fmt, inChild, type Options, type Outcome, sec, verdictOf } from './check.js';
import { againstClean, ingestedOnce, startPipeline, tableLine } from './pipeline.js';

type Mode = 'throttle' | 'time-limit';

export async function scenario(o: {
  root: string;
  mode: Mode;
  files: number;
  share: number;
  timeoutS: number;
}) {
  const timeoutMs = o.mode === 'throttle' ? INGEST_TIMEOUT_S * 1000 : o.timeoutS * 1000;
  const dynamo = await startDynamo({ throttle: o.share });
  const deadLetters: DeadLetter[] = [];
  let fn: IngestFunction | undefined;
  const pipeline = await startPipeline({
    s3Dir: path.join(o.root, 's3'),
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
  const env = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined);
  fn = new IngestFunction(Object.fromEntries(env), 2, { timeoutMs });
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
  const table = await againstClean(pipeline, o.mode);
  await fn.close();
  await pipeline.close();
  await dynamo.close();
  return {
    ...{
      mode: o.mode,
      files: o.files,
      throttleShare: o.share,
      timeoutMs,
      ingestMs,
      totalMs,
      failedDeliveries,
    },
    ...{ dataRequests: counts.requests, throttled: counts.throttled, invocationsStopped: stopped },
    ...{
      stoppedAfterRedrive: fn.timeouts - stopped,
      deadLettered,
      deadLetteredAfterRedrive: deadLetters.length,
    },
    ...table,
  };
}

/** Throttling, or a time limit that throttled batches overrun: every file ingested once, as a clean ingest leaves it. */
export const limitsCheck =
  (mode: Mode) =>
  async (root: string, o: Options): Promise<Outcome> => {
    const files = Number(o['limits-files']);
    const m: Awaited<ReturnType<typeof scenario>> = await inChild('limits', {
      root,
      mode,
      ...(mode === 'throttle'
        ? { files, share: 0.2, timeoutS: 0 }
        : { files: Math.ceil(files / 2), share: 0.3, timeoutS: 2 }),
    });
    const { ok, notes } = ingestedOnce(m, m.files);
    // Throttling alone must cost no dead letter; the time-limit run must really overrun its limit.
    const exercised =
      mode === 'throttle' ? m.deadLettered === 0 && m.throttled > 0 : m.invocationsStopped > 0;
    if (!exercised)
      notes.push(
        mode === 'throttle'
          ? `${m.deadLettered} messages were dead-lettered under throttling alone.`
          : 'No invocation overran the time limit: the check did not test it.',
      );
    const title =
      mode === 'throttle' ? 'DynamoDB throttling during ingest' : 'Handler time limit overrun during ingest';
    const lines = [
      `- **${title}**: ${fmt(m.files)} files ingested through the queue and the handler's local Lambda environments ` +
        `(time limit ${sec(m.timeoutMs)}) while the local DynamoDB throttled ${Math.round(m.throttleShare * 100)} % of data requests ` +
        `(${fmt(m.throttled)} of ${fmt(m.dataRequests)} answered ProvisionedThroughputExceededException): ${sec(m.ingestMs)}, ` +
        `${fmt(m.failedDeliveries)} deliveries failed and were redelivered, **${fmt(m.invocationsStopped)} invocations stopped at the time limit, ` +
        `${fmt(m.deadLettered)} messages dead-lettered** after 5 receives` +
        (m.deadLettered
          ? ` (redriven once the throttling stopped: ${fmt(m.deadLetteredAfterRedrive)} dead-lettered again)`
          : '') +
        `. ${tableLine(m, m.files)}`,
    ];
    return { verdict: verdictOf(ok && exercised), notes, lines, result: m };
  };
