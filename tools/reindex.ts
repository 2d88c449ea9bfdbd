/**
 * `npm run reindex`: re-ingests every article file of the bucket through the ingest core (reconcileBucket),
 * idempotently, with one progress line. Run it after a change to the parsing rules, or to repair the table.
 *
 *   npm run reindex                         the deployed stack, names from cdk-outputs.json (npm run deploy)
 *   npm run reindex -- --bucket B --table T the deployed stack, names given
 *   npm run reindex -- --local              the local stack of `npm start` (s3rver :4569, dynalite :4567)
 *
 * Options: --changed (only new or changed files, and files ingested by an older parser), --concurrency N,
 * --outputs FILE, --stack NAME (which stack of the outputs file), --region R, --verbose.
 * Environment: S3_ENDPOINT and DYNAMODB_ENDPOINT (other S3/DynamoDB endpoints), FEEDBUCKET_BUCKET and
 * TABLE_NAME, S3_PORT / DYNAMO_PORT / BUCKET for --local, and the usual AWS_* variables.
 *
 * Nothing runs at import: tests call `reindex()` and `resolveTarget()` directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { fmt, StatusConsole } from '../local/console.js';
import { readIngestConfig } from '../shared/config.js';
import { Ingester } from '../shared/ingest/ingester.js';
import { S3Objects } from '../shared/ingest/objects.js';
import {
  type ReconcileProgress,
  type ReconcileResult,
  reconcileBucket,
  recountTopics,
} from '../shared/ingest/reconcile.js';
import type { Log } from '../shared/logger.js';
import { DynamoStore } from '../shared/store/dynamodb.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where to reindex: the bucket and table, and how to reach them. */
export interface Target {
  bucket: string;
  table: string;
  region?: string;
  s3Endpoint?: string;
  dynamoEndpoint?: string;
  /** Static credentials (the local stack's); otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Where the names came from, for the first line printed. */
  source: string;
}

export const LOCAL_DEFAULTS = {
  s3Port: 4569,
  dynamoPort: 4567,
  bucket: 'articles',
  table: 'feedbucket',
  region: 'us-east-1',
  /** s3rver accepts only these; dynalite accepts any. */
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
} as const;

export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';

const CLI_OPTIONS = {
  bucket: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  local: { type: 'boolean', default: false },
  outputs: { type: 'string' },
  stack: { type: 'string' },
  changed: { type: 'boolean', default: false },
  concurrency: { type: 'string', default: '8' },
  verbose: { type: 'boolean', short: 'v', default: false },
} as const;

export function parseCli(argv: string[]) {
  const values = (() => {
    try {
      return parseArgs({ args: argv, strict: true, options: CLI_OPTIONS }).values;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })();
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new UsageError(
      `--concurrency must be a whole number between 1 and 256, got "${values.concurrency}"`,
    );
  return { ...values, concurrency };
}
export type CliOptions = ReturnType<typeof parseCli>;

type Env = Record<string, string | undefined>;

/** The bucket and table of one stack in a `cdk deploy --outputs-file` file. */
function fromOutputsFile(file: string, stack: string | undefined) {
  let parsed: Record<string, Record<string, string>>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the stack outputs in ${file}: ${(e as Error).message}`);
  }
  const stacks = Object.keys(parsed).filter((name) => parsed[name]?.BucketName);
  const name = stack ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (!name || !parsed[name]) {
    throw new UsageError(
      stacks.length === 0
        ? `${file} holds no feedbucket stack outputs (BucketName)`
        : `${file} holds several stacks (${stacks.join(', ')}): choose one with --stack`,
    );
  }
  const { BucketName: bucket, TableName: table, Region: region } = parsed[name];
  return { bucket, table, region, stack: name };
}

/** Decides the target from the options, the environment and the outputs file. Reads no network. */
export function resolveTarget(options: CliOptions, env: Env = process.env, cwd = process.cwd()): Target {
  if (options.local) {
    const s3Port = env.S3_PORT?.trim() || String(LOCAL_DEFAULTS.s3Port);
    const dynamoPort = env.DYNAMO_PORT?.trim() || String(LOCAL_DEFAULTS.dynamoPort);
    return {
      bucket: options.bucket ?? (env.BUCKET?.trim() || LOCAL_DEFAULTS.bucket),
      table: options.table ?? LOCAL_DEFAULTS.table,
      region: LOCAL_DEFAULTS.region,
      s3Endpoint: env.S3_ENDPOINT?.trim() || `http://127.0.0.1:${s3Port}`,
      dynamoEndpoint: env.DYNAMODB_ENDPOINT?.trim() || `http://127.0.0.1:${dynamoPort}`,
      credentials: LOCAL_DEFAULTS.credentials,
      source: 'the local stack (npm start)',
    };
  }
  let bucket = options.bucket ?? (env.FEEDBUCKET_BUCKET?.trim() || undefined);
  let table = options.table ?? (env.TABLE_NAME?.trim() || undefined);
  let source = 'the command line and environment';
  let region = options.region ?? (env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined);
  const outputsFile = resolve(cwd, options.outputs ?? DEFAULT_OUTPUTS_FILE);
  if ((!bucket || !table) && (options.outputs !== undefined || existsSync(outputsFile))) {
    const outputs = fromOutputsFile(outputsFile, options.stack);
    bucket ??= outputs.bucket;
    table ??= outputs.table;
    region = options.region ?? outputs.region ?? region;
    source = `the outputs of stack ${outputs.stack} in ${outputsFile}`;
  }
  if (!bucket || !table) {
    throw new UsageError(
      `which ${!bucket ? 'bucket' : 'table'}? Give --bucket and --table (the stack outputs BucketName and ` +
        `TableName), deploy with npm run deploy (it writes ${DEFAULT_OUTPUTS_FILE}), or use --local for the local stack`,
    );
  }
  return {
    bucket,
    table,
    region,
    s3Endpoint: env.S3_ENDPOINT?.trim() || undefined,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT?.trim() || undefined,
    source,
  };
}

/** The progress line's text: files done of all, rejections, rate and time left. */
export function progressText(p: ReconcileProgress, seconds: number): string {
  const rate = seconds > 0 ? p.done / seconds : 0;
  const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
  const left = (p.total - p.done) / rate;
  const eta =
    rate > 0 && p.done < p.total
      ? `, about ${left < 90 ? `${Math.ceil(left)} s` : `${Math.ceil(left / 60)} min`} left`
      : '';
  return (
    `reindexed ${fmt(p.done)} / ${fmt(p.total)} files (${pct}%), ` +
    `${fmt(p.rejected)} rejected, ${fmt(Math.round(rate))}/s${eta}`
  );
}

/**
 * Rejections and failures as plain lines on `err`, the progress line taken down meanwhile (so it stays
 * readable on a terminal); details with --verbose.
 */
function consoleLog(status: StatusConsole, render: () => string, err: Writer, verbose: boolean): Log {
  const line = (level: string, message: string, extra: Record<string, unknown>[]) => {
    const error = extra.find((e) => e.error)?.error as Error | undefined;
    status.endStatus();
    err.write(`${level}: ${message}${error ? ` (${error.name}: ${error.message})` : ''}\n`);
    status.startStatus(render);
  };
  return {
    debug: (m, ...x) => verbose && line('debug', m, x),
    info: (m, ...x) => verbose && line('info', m, x),
    warn: (m, ...x) => line('warning', m, x),
    error: (m, ...x) => line('error', m, x),
  };
}

type Writer = { write(s: string): boolean };

export interface ReindexOptions {
  target: Target;
  /** Only new or changed files (and files ingested by an older parser); default: every file again. */
  changedOnly?: boolean;
  concurrency?: number;
  verbose?: boolean;
  out?: Writer & { isTTY?: boolean };
  err?: Writer;
}

export async function reindex(options: ReindexOptions): Promise<ReconcileResult> {
  const { target, out = process.stdout, err = process.stderr } = options;
  // Without a region the SDK's own chain decides (AWS_REGION, the profile's region).
  const { region } = target;
  const s3 = new S3Client({
    region,
    followRegionRedirects: true,
    endpoint: target.s3Endpoint,
    forcePathStyle: Boolean(target.s3Endpoint),
    credentials: target.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 8,
  });
  const dynamo = new DynamoDBClient({
    region,
    endpoint: target.dynamoEndpoint,
    credentials: target.credentials,
    maxAttempts: 8,
  });
  try {
    const store = new DynamoStore(dynamo, target.table);
    // One progress line: rewritten in place on a terminal, printed every few seconds otherwise.
    const status = new StatusConsole(out, { ttyIntervalMs: 100, plainIntervalMs: 2000 });
    const started = Date.now();
    let last: ReconcileProgress = { done: 0, total: 0, rejected: 0 };
    const seconds = () => (Date.now() - started) / 1000;
    const render = () => progressText(last, seconds());
    const log = consoleLog(status, render, err, options.verbose ?? false);
    const { maxObjectBytes } = readIngestConfig({ ...process.env, TABLE_NAME: target.table });
    const ingester = new Ingester({ store, objects: new S3Objects(s3), log, maxObjectBytes });

    out.write(
      `reindexing s3://${target.bucket} into table ${target.table} (${target.s3Endpoint ?? region ?? 'default region'}; from ${target.source})` +
        `${options.changedOnly ? ', new and changed files only' : ''}\n`,
    );
    status.startStatus(render);
    const result = await reconcileBucket({
      bucket: target.bucket,
      s3,
      store,
      ingester,
      log,
      concurrency: options.concurrency ?? 8,
      force: !options.changedOnly,
      onProgress: (p) => {
        last = p;
      },
    });
    status.endStatus(progressText(last, seconds()));
    // Counters are kept by increments; a crash between an entry write and its increment leaves one off.
    const recounted = await recountTopics(store, log);
    if (recounted.length > 0) out.write(`topic counts corrected: ${recounted.join(', ')}\n`);
    out.write(
      `done in ${seconds().toFixed(1)} s: ${result.listed} article files listed; ${result.ingested} ingested, ` +
        `${result.unchanged} unchanged, ${result.removed} removed (no longer in the bucket), ` +
        `${result.rejected} rejected, ${result.failed} failed\n`,
    );
    if (result.rejected > 0) {
      const rejections = await store.listRejections(20);
      const first = rejections.length < result.rejected ? 'first ' : '';
      out.write(`rejected files (${first}${rejections.length}):\n`);
      for (const r of rejections) out.write(`  ${r.key}: ${r.reason}\n`);
    }
    if (result.failed > 0) {
      err.write(
        `${result.failed} files could not be processed now (see the errors above); run the reindex again\n`,
      );
    }
    return result;
  } finally {
    s3.destroy();
    dynamo.destroy();
  }
}

/** What to check after an AWS error, by its name. */
const HINTS: Record<string, string> = {
  NoSuchBucket: 'check the bucket name (stack output BucketName)',
  ResourceNotFoundException: 'check the table name (stack output TableName) and the region (--region)',
  CredentialsProviderError: 'no AWS credentials: configure them (aws configure, AWS_PROFILE) or use --local',
};

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    const cli = parseCli(process.argv.slice(2));
    const target = resolveTarget(cli);
    const result = await reindex({
      target,
      changedOnly: cli.changed,
      concurrency: cli.concurrency,
      verbose: cli.verbose,
    });
    process.exitCode = result.failed > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`reindex: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    const error = e as Error;
    const hint = HINTS[error.name];
    process.stderr.write(`reindex failed: ${error.name}: ${error.message}\n${hint ? `${hint}\n` : ''}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
