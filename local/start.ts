/**
 * `npm start`: the local stack in one process, configured by environment variables (see README, Settings).
 * Prints where everything is, then what happens to each file; Ctrl-C (or SIGTERM) stops it cleanly.
 */
import path from 'node:path';
import { fmt, StatusConsole } from './console.js';
import { DataDirInUseError } from './data-dir-lock.js';
import type { LocalStack } from './stack.js';

// Before the AWS SDK is loaded (by the stack, below): it warns about Node 20 at import time.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { startLocalStack } = await import('./stack.js');

class SettingError extends Error {}

function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535)
    throw new SettingError(`${name} must be a port number (0-65535), got "${raw}"`);
  return Number(raw);
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new SettingError(`${name} must be true or false, got "${raw}"`);
}

function bucketName(): string {
  const raw = process.env.BUCKET?.trim() || 'articles';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(raw) || raw.includes('..')) {
    throw new SettingError(
      `BUCKET must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens), got "${raw}"`,
    );
  }
  return raw;
}

/**
 * The functions' settings (README, Settings): the variables named as in AWS, read here once and handed to the
 * stack, which validates them as the functions do.
 */
const FUNCTION_SETTINGS =
  /^(SITE_TITLE|PUBLIC_BASE_URL|MAX_OBJECT_BYTES|LOG_LEVEL|WEBSUB_HUBS|FEED_[A-Z_]+)$/;

function settings() {
  return {
    settings: Object.fromEntries(
      Object.entries(process.env).filter(([name]) => FUNCTION_SETTINGS.test(name)),
    ),
    port: port('PORT', 3000),
    s3Port: port('S3_PORT', 4569),
    dynamoPort: port('DYNAMO_PORT', 4567),
    bucket: bucketName(),
    dataDir: path.resolve(process.env.DATA_DIR?.trim() || '.feedbucket'),
    articlesDir: path.resolve(process.env.ARTICLES_DIR?.trim() || 'articles'),
    examples: flag('EXAMPLES', true),
    dynamoThrottle: share('DYNAMO_THROTTLE'),
  };
}

/** A share from 0 to 1 (DYNAMO_THROTTLE=0.2: a fifth of the DynamoDB data requests throttled). */
function share(name: string): number | undefined {
  const raw = process.env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!/^(0|1)?(\.\d+)?$/.test(raw) || !(n >= 0 && n <= 1))
    throw new SettingError(`${name} must be a share between 0 and 1 (0.2 throttles a fifth), got "${raw}"`);
  return n;
}

const rel = (p: string) => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? `./${r}` : p;
};

function banner(stack: LocalStack): string {
  const { urls, bucket, credentials } = stack;
  const lines = [
    '',
    'feedbucket is running locally',
    '',
    `  Topics (web page)   ${urls.feeds}`,
    `  All articles        ${urls.feeds}rss.xml   ${urls.feeds}atom.xml   ${urls.feeds}feed.json`,
    `  One topic           ${urls.feeds}topics/<topic>/rss.xml  (atom.xml, feed.json)`,
    `  One source          ${urls.feeds}providers/<domain>/rss.xml  (list: ${urls.feeds}providers.json)`,
    `  Top stories         ${urls.feeds}top/rss.xml  (and topics/<topic>/top/rss.xml)`,
    `  OPML (import this)  ${urls.opml}`,
    `  Rejected files      ${urls.errors}`,
    `  Dead letters        ${urls.deadLetters}  (events that failed every retry; POST …/redrive retries them)`,
    '',
    `  S3 endpoint         ${urls.s3}   bucket: ${bucket}`,
    `  S3 credentials      access key ${credentials.accessKeyId}, secret ${credentials.secretAccessKey}, region ${credentials.region}`,
    `  Upload with the AWS CLI:`,
    `    AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} AWS_REGION=${credentials.region} \\`,
    `      aws --endpoint-url ${urls.s3} s3 cp my-article.md s3://${bucket}/`,
    '',
    stack.articlesDir
      ? `  Watched folder      ${rel(stack.articlesDir)}  (files dropped here are uploaded to the bucket)`
      : '  Watched folder      none',
    `  Data directory      ${rel(stack.dataDir)}`,
    ...(stack.hubs.length > 0
      ? [`  WebSub hubs         ${stack.hubs.join('   ')}  (told of every changed feed)`]
      : []),
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const out = new StatusConsole(process.stdout);
  let config: ReturnType<typeof settings>;
  try {
    config = settings();
  } catch (e) {
    if (e instanceof SettingError) {
      console.error(`feedbucket: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }

  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ...config, examples: config.examples ? undefined : false, console: out });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { port?: number };
    if (e instanceof DataDirInUseError) console.error(`feedbucket: ${e.message}`);
    else if (err.code === 'EADDRINUSE') {
      console.error(
        `feedbucket: port ${err.port ?? ''} on 127.0.0.1 is already in use (another feedbucket?). ` +
          'Stop that program, or choose other ports with PORT, S3_PORT and DYNAMO_PORT.',
      );
    } else console.error(`feedbucket: could not start: ${err.message ?? String(e)}`);
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      out.log('Stopping now (unfinished work is caught up at the next start).');
      process.exit(130);
    }
    stopping = true;
    out.log(`\n${signal}: stopping (press Ctrl-C again to force)...`);
    try {
      await stack.close();
      out.log('Stopped.');
      process.exit(0);
    } catch (e) {
      console.error(`feedbucket: error while stopping: ${(e as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // `npm start` runs us under a shell that dies of a SIGTERM sent to npm without passing it on: stop when
  // the parent is gone rather than live on as an orphan.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) void stop('parent process ended');
  }, 500).unref();

  // Printed once the signal handlers are in place: a Ctrl-C or SIGTERM sent as soon as this shows stops cleanly.
  out.log(banner(stack));
  if (config.dynamoThrottle) {
    out.log(
      `DynamoDB throttle mode: ${Math.round(config.dynamoThrottle * 100)} % of data requests answered with ProvisionedThroughputExceededException.\n`,
    );
  }

  try {
    const report = await stack.ready;
    const parts: string[] = [];
    if (report.examplesLoaded > 0) parts.push(`loaded ${fmt(report.examplesLoaded)} example articles`);
    const r = report.reconciled;
    if (r && (r.ingested > 0 || r.removed > 0)) {
      parts.push(`caught up with the bucket: ${fmt(r.ingested)} ingested, ${fmt(r.removed)} removed`);
    }
    const f = report.folder;
    if (f && (f.uploaded > 0 || f.deleted > 0)) {
      parts.push(`caught up with the folder: ${fmt(f.uploaded)} uploaded, ${fmt(f.deleted)} deleted`);
    }
    if (report.recounted) parts.push(`corrected ${fmt(report.recounted)} topic counts after an unclean stop`);
    if (!stopping)
      out.log(
        `Ready in ${(report.readyMs / 1000).toFixed(1)} s${parts.length ? ` (${parts.join('; ')})` : ''}.`,
      );
  } catch (e) {
    if (!stopping) out.log(`Start-up catch-up failed: ${(e as Error).message}`);
  }
}

await main();
