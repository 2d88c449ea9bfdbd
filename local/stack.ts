/**
 * The whole pipeline on one machine: dynalite and s3rver (persisted under the data directory), bucket events
 * delivered as S3 notifications through a local queue to the real ingest handler, HTTP requests turned into
 * Function URL events for the real feeds handler, a watched folder mirrored into the bucket, and a start-up
 * reconciliation that catches up with anything a crash left undone.
 *
 * The handlers are made by the same factories as the Lambda entries, with this stack's clients and settings
 * (given as parameters, never through the process's environment): several stacks can run in one process,
 * each with its own ports and table.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PARSER_VERSION } from '../shared/article/article.js';
import { type Env, readFeedsConfig, readIngestConfig } from '../shared/config.js';
import { recountTopics } from '../shared/ingest/reconcile.js';
import { DynamoStore, ensureTable } from '../shared/store/dynamodb.js';
import { IngestProgress, routeBucketEvents } from './bucket-events.js';
import { consoleLog, drifted, loadExamples, reconcile } from './catch-up.js';
import { fmt, StatusConsole } from './console.js';
import { lockDataDir } from './data-dir-lock.js';
import { DeadLetterList, deadLetterRoutes } from './dead-letters.js';
import { EventQueue } from './event-queue.js';
import { FolderMirror } from './folder-mirror.js';
import { LOCAL_REGION, localFunctionEnv, S3RVER_CREDENTIALS } from './function-env.js';
import { startHttpFront } from './http-front.js';
import { IngestFunction } from './ingest-function.js';
import { localPublisher } from './publisher.js';
import { Sequencer } from './s3-notifications.js';
import { type LocalDynamo, type LocalS3, startDynamo, startS3 } from './servers.js';
import type { LocalStack, LocalStackOptions, StartupReport } from './stack-types.js';
import { StateFile } from './state.js';

export { HOST } from './http-front.js';
export type { LocalStack, LocalStackOptions, StartupReport } from './stack-types.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/**
 * Where the local settings differ from AWS's defaults (each still set by its variable): a change shows at the
 * next reload (in AWS, CloudFront caches each feed for FEED_MAX_AGE seconds). The functions' own JSON logs are
 * off: the stack prints its own readable lines.
 */
const LOCAL_DEFAULTS: Env = {
  FEED_MAX_AGE: '0',
  FEED_STALE_WHILE_REVALIDATE: '0',
  LOG_LEVEL: 'SILENT',
};

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started = Date.now();
  const out = options.console ?? new StatusConsole(process.stdout, { quiet: true });
  const dataDir = path.resolve(options.dataDir);
  const bucket = options.bucket ?? 'articles';
  const tableName = options.tableName ?? 'feedbucket';
  const settings: Env = { ...LOCAL_DEFAULTS, ...options.settings, TABLE_NAME: tableName };
  // Refused before anything starts: the functions' own validation, naming the variable.
  const feedsConfig = readFeedsConfig(settings);
  const { maxObjectBytes } = readIngestConfig(settings);
  const hubs = feedsConfig.hubs ?? [];
  const articlesDir =
    options.articlesDir === false ? undefined : path.resolve(options.articlesDir ?? 'articles');
  const examplesDir = options.examples === false ? undefined : (options.examples ?? EXAMPLES_DIR);

  const hadTable = existsSync(path.join(dataDir, 'dynamo'));
  const freshDir = !hadTable && !existsSync(path.join(dataDir, 's3'));
  const lock = await lockDataDir(dataDir);
  const cleanups: (() => Promise<unknown>)[] = [lock.release];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };

  try {
    const state = await StateFile.open(dataDir, freshDir);
    // The table is known to match the bucket only after a clean stop of a run with the same parser (and even
    // then a cheap check compares the two before the reconciliation is skipped).
    const mustReconcile =
      lock.recovered || !hadTable || state.state.cleanStop !== true || state.state.parser !== PARSER_VERSION;
    await state.update({ cleanStop: false });
    await mkdir(path.join(dataDir, 's3'), { recursive: true });

    const dynamo: LocalDynamo = await startDynamo({
      port: options.dynamoPort ?? 4567,
      path: path.join(dataDir, 'dynamo'),
      throttle: options.dynamoThrottle,
    });
    cleanups.push(() => dynamo.close());
    await ensureTable(dynamo.client, tableName);
    const s3: LocalS3 = await startS3({
      directory: path.join(dataDir, 's3'),
      port: options.s3Port ?? 4569,
      buckets: [bucket],
    });
    cleanups.push(() => s3.close());
    const store = new DynamoStore(dynamo.client, tableName);
    const deadLetters = await DeadLetterList.open(dataDir);
    // The queue is made further down; redrives reach it through this.
    let redrive: (letters: Parameters<EventQueue['redrive']>[0]) => void = () => {};
    const http = await startHttpFront({
      port: options.port ?? 3000,
      deadLetters: deadLetterRoutes(deadLetters, (letters) => redrive(letters)),
      out,
    });
    cleanups.push(() => http.close());
    const { base } = http;

    // The functions run in environments of their own (worker threads), as in Lambda, configured as they are
    // in AWS (their environment variables), and reach the local servers with the local region and keys: the
    // ingest function one per core up to the queue's concurrency; the feeds function behind the HTTP server.
    const batchesAtOnce = options.concurrency ?? 4;
    // With WebSub hubs, the feeds each ingest batch changed go through the publish queue to the publisher.
    const publisher =
      hubs.length > 0 ? localPublisher({ hubs, baseUrl: base, print: (line) => out.log(line) }) : undefined;
    const ingest = new IngestFunction(
      localFunctionEnv(
        { TABLE_NAME: tableName, MAX_OBJECT_BYTES: String(maxObjectBytes), LOG_LEVEL: settings.LOG_LEVEL },
        { dynamo: dynamo.endpoint, s3: s3.endpoint },
      ),
      Math.min(batchesAtOnce, availableParallelism()),
      {
        timeoutMs: options.ingestTimeoutMs,
        // Each batch that changed feeds tells the feeds function, whose metadata reads (reused for
        // FEED_METADATA_REUSE_MS, 250 ms, as in AWS) then show the change at the next request, hubs' included.
        // AWS has no such call: there a change shows within the reuse window.
        onChanged: (message) => {
          http.tableChanged();
          publisher?.push(message);
        },
      },
    );
    cleanups.push(() => ingest.close());
    if (publisher) cleanups.push(() => publisher.stop(0, { abort: true }));
    await ingest.start();
    http.serveFeeds(localFunctionEnv(settings, { dynamo: dynamo.endpoint }));

    let stopping = false;
    let mirror: FolderMirror | undefined;
    /** The start-up catch-up finished with nothing left over; events arriving while stopping spoil a clean stop. */
    let caughtUp = false;
    let missedEvents = false;

    // ---- bucket events -> queue -> ingest handler ----
    const sequencer = new Sequencer(state.state.sequencer);
    const progress = new IngestProgress(out, store, () => mirror?.pending() ?? 0);
    const queue = new EventQueue({
      handler: ingest.invoke,
      concurrency: batchesAtOnce,
      batchSize: options.batchSize ?? 10,
      retryMs: options.redeliveryMs,
      onDeadLetter: (letter) => {
        void deadLetters.add(letter);
        progress.deadLettered(letter, base);
      },
      onDone: progress.onDone,
      onRetry: progress.onRetry,
    });
    progress.queue = queue;
    redrive = (letters) => {
      for (const l of letters) out.log(`redrive   ${l.key}`);
      queue.redrive(letters);
    };
    if (deadLetters.list().length > 0) {
      out.log(
        `${fmt(deadLetters.list().length)} dead letters kept from earlier: ${base}/_dead-letters (redrive: curl -X POST ${base}/_dead-letters/redrive)`,
      );
    }
    const stopWatching = routeBucketEvents({
      s3,
      bucket,
      queue,
      sequencer,
      progress,
      out,
      stopping: () => stopping,
      missed: () => {
        missedEvents = true;
      },
    });
    cleanups.push(async () => stopWatching());

    // ---- start-up work: reconcile, folder catch-up, first-run examples ----
    if (articlesDir) {
      mirror = new FolderMirror({
        dir: articlesDir,
        bucket,
        s3: s3.client,
        manifestPath: path.join(dataDir, 'folder-manifest.json'),
        settleMs: options.settleMs,
        failed: (key, error) =>
          out.log(`error     ${key}: ${error instanceof Error ? error.message : String(error)}`),
      });
    }
    const settled = async () => {
      await queue.idle();
      await Promise.all([...progress.outcomes]);
    };

    const ready = (async (): Promise<StartupReport> => {
      const report: StartupReport = { firstRun: state.fresh, examplesLoaded: 0, readyMs: 0 };
      const [reconciled, folder] = await Promise.all([
        (async () =>
          mustReconcile || (await drifted(s3.client, bucket, store))
            ? reconcile({ bucket, s3: s3.client, store, out, stopping: () => stopping, maxObjectBytes })
            : undefined)(),
        mirror?.start(),
      ]);
      report.reconciled = reconciled;
      if (reconciled && reconciled.failed === 0) await state.update({ parser: PARSER_VERSION });
      caughtUp = !reconciled || reconciled.failed === 0;
      report.folder = folder;
      if (state.state.examplesPending) {
        if (examplesDir) report.examplesLoaded = await loadExamples(s3.client, bucket, examplesDir);
        await state.update({ examplesPending: false, examplesLoadedAt: new Date().toISOString() });
      }
      await settled();
      if (lock.recovered) {
        // The last run was killed: a topic counter may have missed its increment (see TopicRecount).
        const fixed = await recountTopics(store, consoleLog(out));
        report.recounted = fixed.length;
      }
      report.readyMs = Date.now() - started;
      return report;
    })();
    // Keeps an unhandled rejection from ending the process; callers see it through `ready`.
    ready.catch(() => {});

    const saveSequencer = setInterval(() => {
      if (sequencer.current() !== state.state.sequencer)
        void state.update({ sequencer: sequencer.current() });
    }, 5000);
    saveSequencer.unref();

    let closing: Promise<void> | undefined;
    const close = (closeOptions: { drainMs?: number } = {}) => {
      closing ??= (async () => {
        clearInterval(saveSequencer);
        stopping = true;
        out.endStatus();
        // Start-up work still under way stops at its next file; what it did not reach is caught up next time.
        await mirror?.close();
        // No new events from here on (objects still arriving are caught up at the next start); the queue
        // finishes what it has, for a few seconds at most.
        const left = await queue.stop(closeOptions.drainMs ?? 5000);
        if (left > 0) {
          out.log(`stopping with ${fmt(left)} events not ingested yet: they are caught up at the next start`);
        }
        const finished = await ready.then(
          () => true,
          () => false,
        );
        await Promise.all([...progress.outcomes]);
        await state.update({
          sequencer: sequencer.current() || state.state.sequencer,
          cleanStop: finished && caughtUp && left === 0 && !missedEvents,
        });
        await undo();
      })();
      return closing;
    };

    return {
      urls: {
        feeds: `${base}/`,
        opml: `${base}/feeds.opml`,
        errors: `${base}/_errors`,
        deadLetters: `${base}/_dead-letters`,
        s3: s3.endpoint,
        dynamo: dynamo.endpoint,
      },
      hubs,
      ports: {
        http: http.port,
        s3: Number(new URL(s3.endpoint).port),
        dynamo: Number(new URL(dynamo.endpoint).port),
      },
      bucket,
      tableName,
      dataDir,
      articlesDir,
      credentials: { ...S3RVER_CREDENTIALS, region: LOCAL_REGION },
      s3: s3.client,
      dynamo: dynamo.client,
      store,
      throttleDynamo: (share) => dynamo.throttle(share),
      ready,
      idle: async () => {
        await ready;
        for (;;) {
          await mirror?.settled();
          await settled();
          if (progress.quiet()) return;
        }
      },
      published: async () => publisher?.idle(),
      close,
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
