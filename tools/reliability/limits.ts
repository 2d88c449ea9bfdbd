/**
 * AWS's limits during an ingest: N article files are uploaded and ingested through the local pipeline
 * (s3rver -> notifications -> queue with receive counts and a dead-letter list -> the ingest handler in its
 * local Lambda environments, with their time limit) while the local DynamoDB throttles a share of the data
 * requests (ProvisionedThroughputExceededException).
 * - `--mode throttle`: the functions' own time limit (shared/limits.ts); nothing may be dead-lettered.
 * - `--mode time-limit`: a time limit of `--timeout` seconds that throttled batches overrun, so invocations are
 *   stopped and messages cut off; whatever is dead-lettered is redriven once the throttling stops (under the
 *   function's own time limit, as after a fix).
 * Either way every file must end ingested once: the table must equal a clean ingest of the same events.
 *
 *   node --import tsx reliability/limits.ts --root DIR --mode throttle|time-limit [--files 300] [--throttle 0.2] [--timeout 2]
 * Prints `{"limits":{…}}`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DeadLetter } from '../../local/event-queue.js';
import { IngestFunction } from '../../local/ingest-function.js';
import { startDynamo } from '../../local/servers.js';
import { mapLimit } from '../../shared/concurrency.js';
import { INGEST_TIMEOUT_S } from '../../shared/limits.js';
import { generateCorpus } from '../bench/corpus.js';
import { cleanIngest, startPipeline, TABLE } from './pipeline.js';
import { checkOnce, diffDumps, dumpTable, tableFigures } from './tables.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    mode: { type: 'string' },
    files: { type: 'string' },
    throttle: { type: 'string' },
    timeout: { type: 'string' },
  },
});
if (!values.root) throw new Error('--root DIR is required');
const mode = values.mode;
if (mode !== 'throttle' && mode !== 'time-limit') throw new Error('--mode throttle|time-limit is required');
const FILES = Number(values.files ?? 300);
const SHARE = Number(values.throttle ?? 0.2);
const timeoutMs = mode === 'throttle' ? INGEST_TIMEOUT_S * 1000 : Number(values.timeout ?? 2) * 1000;

const dynamo = await startDynamo({ throttle: SHARE });
const deadLetters: DeadLetter[] = [];
let fn: IngestFunction | undefined;
const pipeline = await startPipeline({
  s3Dir: path.join(values.root, 's3'),
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
fn = new IngestFunction(
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
  2,
  { timeoutMs },
);
await fn.start();

const files = [...generateCorpus({ count: FILES })];
const started = Date.now();
await mapLimit(files, 8, (f) => pipeline.put(f.key, f.text));
await pipeline.queue.idle();
const ingestMs = Date.now() - started;
const stats = pipeline.queue.stats();
const counts = await dynamo.throttleCounts();

// The throttling stops; what was dead-lettered is redriven, as an operator would, with the function's limit.
dynamo.throttle(0);
fn.timeoutMs = INGEST_TIMEOUT_S * 1000;
const stopped = fn.timeouts;
const deadLettered = deadLetters.length;
pipeline.queue.redrive(deadLetters.splice(0));
await pipeline.queue.idle();
const totalMs = Date.now() - started;

const ingested = await dumpTable(pipeline.dynamo, TABLE);
await cleanIngest(pipeline, 'clean');
const clean = await dumpTable(pipeline.dynamo, 'clean');
const once = checkOnce(ingested);
const differences = diffDumps(clean, ingested, ['clean', mode]);

await fn.close();
await pipeline.close();
await dynamo.close();

process.stdout.write(
  `${JSON.stringify({
    limits: {
      mode,
      files: FILES,
      throttleShare: SHARE,
      timeoutMs,
      dataRequests: counts.requests,
      throttled: counts.throttled,
      ingestMs,
      totalMs,
      failedDeliveries: stats.retries,
      invocationsStopped: stopped,
      stoppedAfterRedrive: fn.timeouts - stopped,
      deadLettered,
      deadLetteredAfterRedrive: deadLetters.length,
      expectedArticles: checkOnce(clean).articles,
      ...tableFigures(once, differences, ingested.size),
    },
  })}\n`,
);
process.exit(0);
