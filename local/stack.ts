/**
 * The whole pipeline on one machine: dynalite and s3rver (persisted under the data directory), bucket events
 * delivered as S3 notifications through a local queue to the real ingest handler, HTTP requests turned into
 * Function URL events for the real feeds handler, a watched folder mirrored into the bucket, and a start-up
 * reconciliation that catches up with anything a crash left undone.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import { PARSER_VERSION } from '../shared/article/article.js';
import {
  ARTICLE_SUFFIXES,
  isArticleKey,
  isNotifiedKey,
  notificationSuffixes,
} from '../shared/article/files.js';
import { readFeedsConfig, readIngestConfig, readWebSubHubs } from '../shared/config.js';
import { Ingester } from '../shared/ingest/ingester.js';
import { S3Objects } from '../shared/ingest/objects.js';
import { type ReconcileResult, reconcileBucket, recountTopics } from '../shared/ingest/reconcile.js';
import type { Log } from '../shared/logger.js';
import { DynamoStore, ensureTable } from '../shared/store/dynamodb.js';
import type { FileRecord } from '../shared/store/types.js';
import { fmt, StatusConsole } from './console.js';
import { lockDataDir } from './data-dir-lock.js';
import { DeadLetterList, deadLetterRoutes } from './dead-letters.js';
import { EventQueue } from './event-queue.js';
import { feedsListener } from './feeds-listener.js';
import { FolderMirror, isIgnoredName } from './folder-mirror.js';
import { functionUrlListener, functionUrlServer } from './function-url.js';
import { IngestFunction } from './ingest-function.js';
import { localPublisher } from './publish-queue.js';
import { notificationRecord, Sequencer, watchObjectChanges } from './s3-notifications.js';
import {
  LOCAL_REGION,
  type LocalDynamo,
  type LocalS3,
  S3RVER_CREDENTIALS,
  startDynamo,
  startS3,
} from './servers.js';
import { StateFile } from './state.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');
export const HOST = '127.0.0.1';

export interface LocalStackOptions {
  /** Where the table, the bucket's objects and the stack's state are kept. Created if missing. */
  dataDir: string;
  /** The watched folder, mirrored into the bucket (created if missing); false for none. */
  articlesDir?: string | false;
  /**
   * Ports on 127.0.0.1; 0 picks a free one. Defaults: 3000, 4569, 4567. A second stack in one process keeps
   * the first one's S3 and DynamoDB ports (the handlers read their endpoints once).
   */
  port?: number;
  s3Port?: number;
  dynamoPort?: number;
  bucket?: string;
  tableName?: string;
  /** Folder of example articles loaded into a new data directory; false for none. */
  examples?: string | false;
  /** Batches in flight at once and messages per batch of the ingest queue. */
  concurrency?: number;
  batchSize?: number;
  /** How long a file in the watched folder must stay unchanged before it is uploaded (ms). */
  settleMs?: number;
  /** Throttle mode: the share of DynamoDB data requests throttled (0 to 1; DYNAMO_THROTTLE for npm start). */
  dynamoThrottle?: number;
  /** The ingest function's time limit (ms); Lambda's (shared/limits.ts) by default. */
  ingestTimeoutMs?: number;
  /** The queue's first redelivery wait (ms), doubling per receive; 5 s by default. */
  redeliveryMs?: number;
  /** Console output; a quiet one by default (the CLI passes the real console). */
  console?: StatusConsole;
}

export interface StartupReport {
  /** True when the data directory was new. */
  firstRun: boolean;
  examplesLoaded: number;
  /** Absent when the last run stopped cleanly (the table is known to match the bucket). */
  reconciled?: ReconcileResult;
  folder?: { uploaded: number; deleted: number; unchanged: number };
  /** After an unclean stop: how many topic counters had to be corrected. */
  recounted?: number;
  /** From the call to the moment the table caught up with the bucket and the folder (ms). */
  readyMs: number;
}

export interface LocalStack {
  urls: { feeds: string; opml: string; errors: string; deadLetters: string; s3: string; dynamo: string };
  /** WebSub hubs told of changed feeds (WEBSUB_HUBS); empty for none. */
  hubs: string[];
  ports: { http: number; s3: number; dynamo: number };
  bucket: string;
  tableName: string;
  dataDir: string;
  articlesDir?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; region: string };
  s3: S3Client;
  dynamo: DynamoDBClient;
  store: DynamoStore;
  /** Changes the share of DynamoDB data requests throttled (0 to 1). */
  throttleDynamo(share: number): void;
  /** Resolves when the start-up work (reconciliation, folder catch-up, first-run examples) is done. */
  ready: Promise<StartupReport>;
  /** Resolves when the start-up work is done and nothing is queued, uploading or being ingested. */
  idle(): Promise<void>;
  /** Resolves when the changes handed to the WebSub publisher so far are all sent or dropped. */
  published(): Promise<void>;
  /** Stops everything: the watcher, the queue (after draining a little), the servers. */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** Sets the environment the handlers read at module load: where the table, bucket and feeds are; quiet logs. */
function setHandlerEnv(opts: { tableName: string; dynamoEndpoint: string; s3Endpoint: string }): void {
  const env = process.env;
  env.TABLE_NAME = opts.tableName;
  env.DYNAMODB_ENDPOINT = opts.dynamoEndpoint;
  env.S3_ENDPOINT = opts.s3Endpoint;
  env.AWS_REGION = LOCAL_REGION;
  env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.AWS_REQUEST_CHECKSUM_CALCULATION ??= 'WHEN_REQUIRED';
  env.AWS_RESPONSE_CHECKSUM_VALIDATION ??= 'WHEN_REQUIRED';
  // The handlers log JSON lines for CloudWatch; locally the stack prints its own readable lines.
  env.LOG_LEVEL ??= 'SILENT';
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // A change shows at the next reload (in AWS, CloudFront caches each feed for FEED_MAX_AGE seconds).
  env.FEED_MAX_AGE ??= '0';
  env.FEED_STALE_WHILE_REVALIDATE ??= '0';
  // A topic's metadata answers requests for 50 ms (250 ms in AWS): a new article shows within a tenth of a second.
  env.FEED_METADATA_REUSE_MS ??= '50';
  env.POWERTOOLS_METRICS_NAMESPACE ??= 'feedbucket-local';
  env.POWERTOOLS_SERVICE_NAME ??= 'feedbucket-local';
}

const decodeKey = (encoded: string) => decodeURIComponent(encoded.replace(/\+/g, ' '));

/** Every file under `dir` (not dotfiles), as paths relative to it with `/` separators. */
async function listRelative(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (isIgnoredName(e.name)) continue;
      if (e.isDirectory()) await walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

/**
 * The handlers read their settings (endpoints, table) once per process, when first loaded. A later stack in
 * the same process therefore reuses the first one's DynamoDB and S3 ports and table name.
 */
let loadedWith: { dynamoPort: number; s3Port: number; tableName: string } | undefined;

function portFor(
  name: string,
  asked: number | undefined,
  fallback: number,
  loaded: number | undefined,
): number {
  if (loaded === undefined) return asked ?? fallback;
  if (asked === undefined || asked === 0 || asked === loaded) return loaded;
  throw new Error(
    `${name} ${asked}: the handlers in this process were loaded with port ${loaded}; start the stack in another process to use other ports`,
  );
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started = Date.now();
  const out = options.console ?? new StatusConsole(process.stdout, { quiet: true });
  const dataDir = path.resolve(options.dataDir);
  const bucket = options.bucket ?? 'articles';
  const tableName = options.tableName ?? 'feedbucket';
  if (loadedWith && loadedWith.tableName !== tableName) {
    throw new Error(
      `table ${tableName}: the handlers in this process were loaded for table ${loadedWith.tableName}`,
    );
  }
  const dynamoPort = portFor('DYNAMO_PORT', options.dynamoPort, 4567, loadedWith?.dynamoPort);
  const s3Port = portFor('S3_PORT', options.s3Port, 4569, loadedWith?.s3Port);
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
      port: dynamoPort,
      path: path.join(dataDir, 'dynamo'),
      throttle: options.dynamoThrottle,
    });
    cleanups.push(() => dynamo.close());
    await ensureTable(dynamo.client, tableName);
    const s3: LocalS3 = await startS3({
      directory: path.join(dataDir, 's3'),
      port: s3Port,
      buckets: [bucket],
    });
    cleanups.push(() => s3.close());
    const store = new DynamoStore(dynamo.client, tableName);
    const deadLetters = await DeadLetterList.open(dataDir);
    // The queue is made further down; redrives reach it through this.
    let redrive: (letters: Parameters<EventQueue['redrive']>[0]) => void = () => {};
    const deadLetterRoute = deadLetterRoutes(deadLetters, (letters) => redrive(letters));

    // ---- HTTP: /_errors here, everything else to the feeds function (through its Function URL adapter) ----
    // Listening before the handlers load: a port in use is reported at once.
    const onFeedsError = (error: unknown, req: IncomingMessage) =>
      out.log(
        `error     ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`,
      );
    let serveFeeds = functionUrlListener(
      async () => ({ statusCode: 503, body: 'Starting.\n' }),
      onFeedsError,
    );
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      const pathname = (req.url ?? '/').split('?')[0];
      if (pathname === '/_errors' && (req.method === 'GET' || req.method === 'HEAD')) {
        void serveErrors(store, req, res);
        return;
      }
      // The dead-letter routes parse a URL: asked only for their own paths (every feed request passes here).
      if (pathname?.includes('/_dead-letters') && deadLetterRoute(req, res)) return;
      serveFeeds(req, res);
    };
    // Malformed requests, CONNECT and a missing Host get a reason too (Node's HTTP layer gives none).
    const http = functionUrlServer(listener);
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 3000, HOST, () => {
        http.off('error', reject);
        resolve();
      });
    });
    cleanups.push(() => closeHttp(http));
    const httpPort = (http.address() as AddressInfo).port;
    const base = `http://${HOST}:${httpPort}`;

    setHandlerEnv({ tableName, dynamoEndpoint: dynamo.endpoint, s3Endpoint: s3.endpoint });
    loadedWith ??= {
      dynamoPort: Number(new URL(dynamo.endpoint).port),
      s3Port: Number(new URL(s3.endpoint).port),
      tableName,
    };
    // The ingest function runs in environments of its own (worker threads), as in Lambda, one per core up
    // to the queue's concurrency; the feeds function answers in this thread, behind the HTTP server.
    const batchesAtOnce = options.concurrency ?? 4;
    // With WebSub hubs, the feeds each ingest batch changed go through the publish queue to the publisher.
    const hubs = readWebSubHubs();
    const publisher =
      hubs.length > 0
        ? localPublisher({
            hubs,
            baseUrl: base,
            print: (line) => out.log(line),
            // A hub fetches at once: the feeds' metadata reuse must have run out, so that it sees the change.
            windowMs: Math.max(250, (readFeedsConfig().metadataReuseMs ?? 0) + 50),
          })
        : undefined;
    const ingest = new IngestFunction(
      Object.fromEntries(
        Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      Math.min(batchesAtOnce, availableParallelism()),
      {
        timeoutMs: options.ingestTimeoutMs,
        onChanged: publisher && ((message) => publisher.send(message)),
      },
    );
    cleanups.push(() => ingest.close());
    if (publisher) cleanups.push(() => publisher.stop());
    await ingest.start();
    const feeds = await import('../functions/feeds/handler.js');
    // The real handler's app, called without the event round trip (feeds-listener.ts).
    serveFeeds = feedsListener(feeds.handler, onFeedsError);

    const stopping = { value: false };
    let mirror: FolderMirror | undefined;
    /** The start-up catch-up finished with nothing left over; events arriving while stopping spoil a clean stop. */
    let caughtUp = false;
    let missedEvents = false;

    // ---- bucket events -> queue -> ingest handler ----
    const sequencer = new Sequencer(state.state.sequencer);
    let burst = { total: 0, done: 0, rejected: 0, dead: 0, startedAt: 0, showing: false };
    const SHOW_FILES_UNDER = 20;
    const uploading = () => mirror?.pending() ?? 0;
    // What became of each file is read back from its record: the records of a finished batch in one request.
    let reporting: S3EventRecord[] = [];
    const reportOutcomes = async () => {
      const records = reporting;
      reporting = [];
      const keys = records.map((record) => decodeKey(record.s3.object.key));
      const files = await store.getFiles(keys).catch(() => new Map<string, FileRecord>());
      for (const [i, record] of records.entries()) {
        const key = keys[i] as string;
        const file = files.get(key);
        burst.done++;
        if (file?.status === 'rejected') {
          burst.rejected++;
          out.log(`rejected  ${key}: ${file.reason ?? 'not a valid article'}`);
        } else if (!burst.showing && burst.total + uploading() <= SHOW_FILES_UNDER) {
          out.log(record.eventName.startsWith('ObjectRemoved') ? `removed   ${key}` : `ingested  ${key}`);
        }
      }
    };
    const outcomes = new Set<Promise<void>>();
    const queue = new EventQueue({
      handler: ingest.invoke,
      concurrency: batchesAtOnce,
      batchSize: options.batchSize ?? 10,
      retryMs: options.redeliveryMs,
      onDeadLetter: (letter) => {
        void deadLetters.add(letter);
        out.log(
          `dead      ${letter.key}: ${letter.lastError} (failed ${letter.receiveCount} receives; listed at ${base}/_dead-letters, redrive: curl -X POST ${base}/_dead-letters/redrive)`,
        );
        // Counted on the progress line, which ends with the burst even when its last message was dead-lettered.
        burst.dead++;
        setImmediate(() => {
          if (queue.stats().pending === 0 && outcomes.size === 0) endBurst();
        });
      },
      onDone: (record) => {
        reporting.push(record);
        if (reporting.length > 1) return; // a report of this batch is already scheduled
        const p = new Promise<void>((resolve) => setImmediate(resolve)).then(reportOutcomes).finally(() => {
          outcomes.delete(p);
          if (queue.stats().pending === 0 && outcomes.size === 0) endBurst();
        });
        outcomes.add(p);
      },
      onRetry: (record, attempt, error) => {
        if (attempt === 3 || attempt % 10 === 0) {
          const why = error instanceof Error ? `: ${error.message}` : '';
          out.log(`retrying  ${decodeKey(record.s3.object.key)} (attempt ${attempt + 1})${why}`);
        }
      },
    });
    redrive = (letters) => {
      for (const l of letters) out.log(`redrive   ${l.key}`);
      queue.redrive(letters);
    };
    if (deadLetters.list().length > 0) {
      out.log(
        `${fmt(deadLetters.list().length)} dead letters kept from earlier: ${base}/_dead-letters (redrive: curl -X POST ${base}/_dead-letters/redrive)`,
      );
    }
    const deadSoFar = () => (burst.dead ? `, ${fmt(burst.dead)} dead-lettered` : '');
    const startBurst = () => {
      burst = { total: 0, done: 0, rejected: 0, dead: 0, startedAt: Date.now(), showing: false };
    };
    const endBurst = () => {
      if (burst.showing) {
        const secs = (Date.now() - burst.startedAt) / 1000;
        out.endStatus(
          `ingested ${fmt(burst.done)} / ${fmt(burst.total)}, ${fmt(burst.rejected)} rejected${deadSoFar()} in ${secs.toFixed(1)} s`,
        );
      }
      startBurst();
    };
    startBurst();

    const stopWatching = watchObjectChanges(s3.server, (change) => {
      if (change.bucket !== bucket) return;
      if (stopping.value) {
        missedEvents = true; // the next start reconciles
        return;
      }
      if (!isArticleKey(change.key)) {
        if (!change.eventName.startsWith('ObjectRemoved')) {
          out.log(`skipped   ${change.key}: not an article file (${ARTICLE_SUFFIXES.join(', ')})`);
        }
        return;
      }
      if (!isNotifiedKey(change.key)) {
        // As in AWS: the bucket's suffix filters are case-sensitive, so S3 sends no event for `.Md`.
        missedEvents = true; // the next start reconciles, as the scheduled reconcile does in AWS
        if (!change.eventName.startsWith('ObjectRemoved')) {
          out.log(
            `no event  ${change.key}: S3 notifies only ${notificationSuffixes().join(', ')} (suffix filters are case-sensitive); the next reconcile applies it (here: the next start; in AWS: the scheduled one). Rename it to a lower-case suffix to publish it now`,
          );
        }
        return;
      }
      if (queue.stats().pending === 0 && outcomes.size === 0) startBurst();
      burst.total++;
      if (!burst.showing && burst.total + uploading() > SHOW_FILES_UNDER) {
        burst.showing = true;
        // Files of the watched folder still being uploaded count towards the total already.
        out.startStatus(
          () =>
            `ingested ${fmt(burst.done)} / ${fmt(burst.total + uploading())}, ${fmt(burst.rejected)} rejected${deadSoFar()}`,
        );
      }
      queue.push(notificationRecord(change, sequencer.next()));
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

    const ready = (async (): Promise<StartupReport> => {
      const report: StartupReport = { firstRun: state.fresh, examplesLoaded: 0, readyMs: 0 };
      const [reconciled, folder] = await Promise.all([
        (async () =>
          mustReconcile || (await drifted(s3.client, bucket, store))
            ? reconcile({ bucket, s3: s3.client, store, out, stopping })
            : undefined)(),
        mirror?.start(),
      ]);
      report.reconciled = reconciled;
      if (reconciled && reconciled.failed === 0) await state.update({ parser: PARSER_VERSION });
      caughtUp = !reconciled || reconciled.failed === 0;
      report.folder = folder;
      if (state.state.examplesPending && examplesDir) {
        const files = (await listRelative(examplesDir)).filter(isArticleKey);
        for (const rel of files) {
          const body = await readFile(path.join(examplesDir, rel));
          await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `examples/${rel}`, Body: body }));
        }
        report.examplesLoaded = files.length;
      }
      if (state.state.examplesPending) {
        await state.update({ examplesPending: false, examplesLoadedAt: new Date().toISOString() });
      }
      await queue.idle();
      await Promise.all([...outcomes]);
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
        stopping.value = true;
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
        await Promise.all([...outcomes]);
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
        http: httpPort,
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
          await queue.idle();
          await Promise.all([...outcomes]);
          if (queue.stats().pending === 0 && outcomes.size === 0) return;
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

async function serveErrors(store: DynamoStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const rejections = await store.listRejections();
    const body = `${JSON.stringify(
      rejections.map((r) => ({ key: r.key, reason: r.reason, time: r.at })),
      null,
      2,
    )}\n`;
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The table is not available right now.\n');
  }
}

/** Closes the HTTP server: idle connections at once, busy ones after their response (2 s at most). */
async function closeHttp(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 2000);
  await closed;
  clearTimeout(timer);
}

/**
 * Whether the table disagrees with the bucket: an article object the table has not applied (or applied by an
 * older parser), or a file the table holds that the bucket no longer has. One listing and one scan, without
 * reading any object: cheap enough to run at every start, as a check behind the clean-stop flag.
 */
async function drifted(s3: S3Client, bucket: string, store: DynamoStore): Promise<boolean> {
  const records = new Map<string, FileRecord>();
  for await (const f of store.listFiles()) records.set(f.key, f);
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!o.Key || !isArticleKey(o.Key)) continue;
      seen.add(o.Key);
      const r = records.get(o.Key);
      if (
        !r ||
        r.status === 'deleted' ||
        r.eTag !== o.ETag?.replace(/"/g, '') ||
        r.parser !== PARSER_VERSION
      ) {
        return true;
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  for (const r of records.values()) if (r.status !== 'deleted' && !seen.has(r.key)) return true;
  return false;
}

/** Stops applying events once the stack is stopping (reconciliation leaves the rest for the next start). */
class StoppableIngester extends Ingester {
  constructor(
    private readonly stopping: { value: boolean },
    options: ConstructorParameters<typeof Ingester>[0],
  ) {
    super(options);
  }

  override apply(...args: Parameters<Ingester['apply']>): ReturnType<Ingester['apply']> {
    if (this.stopping.value) return Promise.reject(new Error('stopping'));
    return super.apply(...args);
  }
}

/** The ingest core's log, read for people: rejections, warnings and failures as lines, the rest left out. */
function consoleLog(out: StatusConsole, stopping: { value: boolean } = { value: false }): Log {
  const quiet = () => {};
  return {
    debug: quiet,
    info: quiet,
    warn: (message) => out.log(`warning   ${message}`),
    error: (message, ...extra) => {
      if (stopping.value) return;
      const fields = Object.assign({}, ...extra) as { key?: string; reason?: string; error?: unknown };
      if (fields.key && fields.reason) out.log(`rejected  ${fields.key}: ${fields.reason}`);
      else {
        const why = fields.error instanceof Error ? `: ${fields.error.message}` : '';
        out.log(`error     ${message}${why}`);
      }
    },
  };
}

/** Start-up reconciliation of the table with the bucket, through the ingest core, with a progress line. */
async function reconcile(opts: {
  bucket: string;
  s3: S3Client;
  store: DynamoStore;
  out: StatusConsole;
  stopping: { value: boolean };
}): Promise<StartupReport['reconciled']> {
  const { out, stopping } = opts;
  const log = consoleLog(out, stopping);
  const ingester = new StoppableIngester(stopping, {
    store: opts.store,
    objects: new S3Objects(opts.s3),
    log,
    maxObjectBytes: readIngestConfig().maxObjectBytes,
  });
  let progress = { done: 0, total: 0, rejected: 0 };
  const started = Date.now();
  let showing = false;
  try {
    return await reconcileBucket({
      bucket: opts.bucket,
      s3: opts.s3,
      store: opts.store,
      ingester,
      log,
      onProgress: (p) => {
        progress = p;
        if (!showing && (p.total > 50 || Date.now() - started > 1000)) {
          showing = true;
          out.startStatus(
            () =>
              `catching up with the bucket: ${fmt(progress.done)} / ${fmt(progress.total)} checked, ${fmt(progress.rejected)} rejected`,
          );
        }
      },
    });
  } finally {
    if (showing && !stopping.value) {
      out.endStatus(
        `caught up with the bucket: ${fmt(progress.done)} / ${fmt(progress.total)} checked in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
}
