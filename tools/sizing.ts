/**
 * The measurements behind the stack's sizing and the README's cost estimate (not part of the app):
 *
 *   npx tsx infra/measure.ts [--articles 1000] [--runs 9]
 *
 * 1. Bundles: each handler bundled as the stack bundles it (SDK inside, minified ESM) and with `@aws-sdk/*`
 *    left external (resolved from node_modules, standing in for the Lambda runtime's copy): size, gzip size,
 *    module init time in fresh processes (median of --runs, the two variants alternating).
 * 2. Ingest: the bundled handler in a child process applies SQS batches of 10 S3 events for --articles
 *    corpus files (s3rver and dynalite in this process): wall and CPU time per batch, peak RSS.
 * 3. DynamoDB units: the ingest core and the feeds app run in this process with a capacity meter on their
 *    client: write units per new and per edited article, read units per feed request, item sizes by type.
 * 4. Feeds: the bundled handler in a child process answers Function URL events: time per cold render, per
 *    render-cache hit and per 304; response sizes (identity, gzip, br); peak RSS.
 * Figures are printed as Markdown. Everything runs on local servers; nothing leaves the machine.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { LOCAL_BUILD_OPTIONS } from '../infra/constructs/app-function.js';
import { LOCAL_REGION, S3RVER_CREDENTIALS, startDynamo, startS3 } from '../local/servers.js';
import { createFeedsApp } from '../shared/feeds/app.js';
import { Ingester } from '../shared/ingest/ingester.js';
import { S3Objects } from '../shared/ingest/objects.js';
import { reconcileBucket } from '../shared/ingest/reconcile.js';
import type { Log } from '../shared/logger.js';
import { documentClient } from '../shared/store/document-client.js';
import { DynamoStore, ensureTable } from '../shared/store/dynamodb.js';
import { generateCorpus } from './bench/corpus.js';
import { meterClient } from './bench/lib/capacity.js';
import { runToEnd } from './bench/lib/procs.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

const { values } = parseArgs({
  options: { articles: { type: 'string', default: '1000' }, runs: { type: 'string', default: '9' } },
});
const ARTICLES = Number(values.articles);
const RUNS = Number(values.runs);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

// Temp output under the repository (git-ignored `cdk.out.*`), so that external @aws-sdk/* resolves from
// node_modules as the runtime's copy would resolve from /var/runtime.
const work = mkdtempSync(join(ROOT, 'cdk.out.measure-'));

/** The functions' bundle (infra/constructs/app-function.ts), targeting node20 so that it runs on this machine. */
async function bundle(entry: string, out: string, external: boolean): Promise<string> {
  const file = join(work, out);
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    ...LOCAL_BUILD_OPTIONS,
    external: external ? ['@aws-sdk/*'] : [],
  });
  return file;
}

const CHILD_ENV = {
  PATH: process.env.PATH,
  TABLE_NAME: 'feedbucket',
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};

const INIT_SCRIPT =
  'const t = performance.now(); await import(process.env.BUNDLE); process.stdout.write(String(performance.now() - t));';

/** Runs a bundle's handler on a list of events in a fresh process; times, CPU and peak RSS per event. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const events = JSON.parse(readFileSync(process.env.EVENTS, 'utf8'));
const t = performance.now();
const mod = await import(process.env.BUNDLE);
const init = performance.now() - t;
const results = [];
for (const event of events) {
  const c = process.cpuUsage();
  const w = performance.now();
  const r = await mod.handler(event);
  const cpu = process.cpuUsage(c);
  results.push({ wall: performance.now() - w, cpu: (cpu.user + cpu.system) / 1000, status: r.statusCode,
    failures: r.batchItemFailures?.length ?? 0, bytes: r.body ? (r.isBase64Encoded ? Buffer.from(r.body, 'base64').length : Buffer.byteLength(r.body)) : 0,
    encoding: r.headers?.['content-encoding'] ?? 'identity' });
}
process.stdout.write(JSON.stringify({ init, results, maxRssKB: process.resourceUsage().maxRSS }));
`;

interface RunResult {
  init: number;
  maxRssKB: number;
  results: {
    wall: number;
    cpu: number;
    status?: number;
    failures: number;
    bytes: number;
    encoding: string;
  }[];
}

async function runHandler(
  bundleFile: string,
  events: unknown[],
  env: Record<string, string>,
): Promise<RunResult> {
  const eventsFile = join(work, `events-${Date.now()}.json`);
  writeFileSync(eventsFile, JSON.stringify(events));
  const out = await runToEnd(process.execPath, ['--input-type=module', '-e', RUNNER], {
    ...CHILD_ENV,
    ...env,
    BUNDLE: pathToFileURL(bundleFile).href,
    EVENTS: eventsFile,
  });
  return JSON.parse(out) as RunResult;
}

/**
 * DynamoDB's item size: attribute names plus values (strings in UTF-8, binaries as their bytes, numbers about 1
 * byte per 2 digits).
 */
function itemSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.length;
  if (typeof value === 'number') return Math.ceil(String(value).replace(/[-.]/g, '').length / 2) + 1;
  if (Array.isArray(value)) return 3 + value.reduce((s: number, v) => s + 1 + itemSize(v), 0);
  return (
    3 +
    Object.entries(value as Record<string, unknown>).reduce(
      (s, [k, v]) => s + Buffer.byteLength(k) + 1 + itemSize(v),
      0,
    )
  );
}
const topLevelSize = (item: Record<string, unknown>) =>
  Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k) + itemSize(v), 0);

const s3Event = (bucket: string, key: string, size: number, sequencer: string) => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  eventName: 'ObjectCreated:Put',
  eventTime: new Date().toISOString(),
  s3: {
    bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
    object: { key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'), size, sequencer },
  },
});

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  say(`# feedbucket measurements (${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node})`);

  // ---- 1. bundles ----
  say('\n## Bundles and module init (fresh process, median of runs)\n');
  say('| function | variant | size | gzip | init |');
  say('| --- | --- | --- | --- | --- |');
  const bundles: Record<string, string> = {};
  for (const name of ['ingest', 'feeds'] as const) {
    const entry = `functions/${name}/handler.ts`;
    const inside = await bundle(entry, `${name}.mjs`, false);
    const outside = await bundle(entry, `${name}-sdk-external.mjs`, true);
    bundles[name] = inside;
    const times: Record<string, number[]> = { inside: [], outside: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [variant, file] of [
        ['inside', inside],
        ['outside', outside],
      ] as const) {
        times[variant]?.push(
          Number(
            await runToEnd(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT], {
              ...CHILD_ENV,
              BUNDLE: file,
            }),
          ),
        );
      }
    }
    for (const [variant, file, label] of [
      ['inside', inside, 'SDK bundled (deployed)'],
      ['outside', outside, '@aws-sdk/* external (runtime copy)'],
    ] as const) {
      const bytes = statSync(file).size;
      const gz = gzipSync(readFileSync(file)).length;
      say(`| ${name} | ${label} | ${kb(bytes)} | ${kb(gz)} | ${ms(median(times[variant] ?? []))} |`);
    }
  }

  // ---- servers and corpus ----
  const dir = mkdtempSync(join(work, 'servers-'));
  const [dynamo, s3] = await Promise.all([startDynamo(), startS3({ directory: dir, buckets: ['articles'] })]);
  try {
    const files = [...generateCorpus({ count: ARTICLES })];
    for (let i = 0; i < files.length; i += 50) {
      await Promise.all(
        files
          .slice(i, i + 50)
          .map((f) => s3.client.send(new PutObjectCommand({ Bucket: 'articles', Key: f.key, Body: f.text }))),
      );
    }
    const fileBytes = files.map((f) => Buffer.byteLength(f.text));

    // ---- 2. ingest handler: time, CPU, memory ----
    await ensureTable(dynamo.client, 'feedbucket');
    const batches: unknown[] = [];
    for (let i = 0; i < files.length; i += 10) {
      batches.push({
        Records: files.slice(i, i + 10).map((f, j) => ({
          messageId: `m-${i + j}`,
          eventSource: 'aws:sqs',
          body: JSON.stringify({
            Records: [
              s3Event(
                'articles',
                f.key,
                Buffer.byteLength(f.text),
                (i + j + 1).toString(16).padStart(16, '0'),
              ),
            ],
          }),
        })),
      });
    }
    const ingest = await runHandler(bundles.ingest as string, batches, {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      S3_ENDPOINT: s3.endpoint,
    });
    const failed = ingest.results.reduce((s, r) => s + r.failures, 0);
    say(`\n## Ingest handler (bundled), ${files.length} corpus files in SQS batches of 10\n`);
    say(`- article files: median ${kb(median(fileBytes))}, p95 ${kb(p95(fileBytes))}`);
    say(
      `- init ${ms(ingest.init)}; per batch: wall median ${ms(median(ingest.results.map((r) => r.wall)))}, p95 ${ms(p95(ingest.results.map((r) => r.wall)))}; CPU median ${ms(median(ingest.results.map((r) => r.cpu)))}, p95 ${ms(p95(ingest.results.map((r) => r.cpu)))}`,
    );
    say(
      `- first batch (cold clients): wall ${ms(ingest.results[0]?.wall ?? 0)}, CPU ${ms(ingest.results[0]?.cpu ?? 0)}`,
    );
    say(`- peak RSS ${(ingest.maxRssKB / 1024).toFixed(0)} MB; failed records ${failed}`);

    // ---- 3. DynamoDB units of ingest ----
    const metered = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const meter = meterClient(metered);
    await ensureTable(dynamo.client, 'metered');
    const store = new DynamoStore(metered, 'metered');
    const objects = new S3Objects(s3.client);
    const ingester = new Ingester({ store, objects, log: quiet, maxObjectBytes: 1024 * 1024 });
    let seq = 0;
    const apply = (key: string, size: number) =>
      ingester.apply({
        kind: 'created',
        bucket: 'articles',
        key,
        size,
        sequencer: (++seq).toString(16).padStart(16, '0'),
        eventTime: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
      });
    const topicsPerArticle: number[] = [];
    for (const f of files) {
      await apply(f.key, Buffer.byteLength(f.text));
    }
    const created = meter.totals();
    meter.reset();
    // An edit of each of the first 200 files (same link and topics, new title): the update cost.
    const edits = files.slice(0, Math.min(200, files.length));
    for (const f of edits) {
      const text = f.text.replace(
        /^title: (.*)$/m,
        (_m, t: string) => `title: ${t.replace(/"$/, ' (updated)"')}`,
      );
      await s3.client.send(new PutObjectCommand({ Bucket: 'articles', Key: f.key, Body: text }));
      await apply(f.key, Buffer.byteLength(text));
    }
    const edited = meter.totals();
    meter.reset();
    // `npm run reindex` (every file again, contents unchanged): the scan of file records plus each file.
    const reindexed = await reconcileBucket({
      bucket: 'articles',
      s3: s3.client,
      store,
      ingester,
      log: quiet,
      force: true,
    });
    const reindexUnits = meter.totals();
    meter.reset();

    const Items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documentClient(dynamo.client).send(
        new ScanCommand({ TableName: 'metered', ExclusiveStartKey: start }),
      );
      Items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const byType = new Map<string, number[]>();
    for (const item of Items) {
      const type = String(item.pk).split('#')[0] as string;
      byType.set(type, [...(byType.get(type) ?? []), topLevelSize(item)]);
      if (type === 'A')
        topicsPerArticle.push(((item.article as { entry: { topics: unknown[] } }).entry.topics ?? []).length);
    }
    const per = (x: number, n: number) => round(x / n);
    say(
      `\n## DynamoDB units (capacity reported by dynalite; GSI writes computed), ${files.length} articles\n`,
    );
    say(
      `- topics per article: mean ${round(topicsPerArticle.reduce((a, b) => a + b, 0) / topicsPerArticle.length)}`,
    );
    say(
      `- new article: ${per(created.write + created.indexWrite, files.length)} WRU (${per(created.indexWrite, files.length)} of them GSI), ${per(created.read, files.length)} RRU; requests per article: ${Object.entries(
        created.requests,
      )
        .map(([op, n]) => `${op} ${per(n, files.length)}`)
        .join(', ')}`,
    );
    say(
      `- edited article (same topics): ${per(edited.write + edited.indexWrite, edits.length)} WRU, ${per(edited.read, edits.length)} RRU`,
    );
    say(
      `- npm run reindex, contents unchanged (${reindexed.listed} files, ${reindexed.unchanged} unchanged): ${per(reindexUnits.write + reindexUnits.indexWrite, reindexed.listed)} WRU and ${per(reindexUnits.read, reindexed.listed)} RRU per file; requests: ${Object.entries(
        reindexUnits.requests,
      )
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')}`,
    );
    say('\n| item | count | median size | p95 size |');
    say('| --- | --- | --- | --- |');
    const names: Record<string, string> = { A: 'article', F: 'feed entry', T: 'topic meta', K: 'file' };
    for (const [type, sizes] of byType) {
      say(`| ${names[type] ?? type} | ${sizes.length} | ${kb(median(sizes))} | ${kb(p95(sizes))} |`);
    }
    const allBytes = Items.reduce((s, i) => s + topLevelSize(i) + 100, 0);
    say(
      `\nTable storage incl. 100 B/item overhead: ${kb(allBytes)} (${kb(allBytes / files.length)} per article)`,
    );

    // ---- 4. feeds: units per request (in process), time and sizes (bundled handler) ----
    const topics = await store.listTopics();
    const top = [...topics].sort((a, b) => b.count - a.count)[0];
    const feedsConfig = {
      siteTitle: 'measure',
      maxAge: 300,
      staleWhileRevalidate: 3600,
      defaultLimit: 50,
      maxLimit: 200,
      publicBaseUrl: 'https://feeds.example.com',
    };
    const fresh = () => createFeedsApp({ store, config: feedsConfig, log: quiet, metaTtlMs: 0 });
    const reads = async (path: string, headers: Record<string, string> = {}) => {
      const app = fresh();
      const [p, q = ''] = path.split('?');
      meter.reset();
      const res = await app({ method: 'GET', path: p as string, query: new URLSearchParams(q), headers });
      return { res, units: meter.totals() };
    };
    const topicFeed = `/topics/${top?.slug}/rss.xml`;
    const first = await reads(topicFeed);
    const etag = String(first.res.headers?.etag ?? '');
    say(`\n## Feeds: DynamoDB reads per origin request (eventually consistent), ${topics.length} topics\n`);
    say('| request | status | RRU | requests |');
    say('| --- | --- | --- | --- |');
    for (const [label, path, headers] of [
      ['topic feed, 50 items (RSS)', topicFeed, {}],
      ['same, revalidation (If-None-Match)', topicFeed, { 'if-none-match': etag }],
      ['all articles, 50 items (JSON Feed)', '/feed.json', {}],
      ['all articles, 200 items (Atom)', '/atom.xml?limit=200', {}],
      ['OPML of every topic', '/feeds.opml', {}],
    ] as const) {
      const { res, units } = await reads(path, headers);
      say(
        `| ${label} | ${res.status} | ${units.read} | ${Object.entries(units.requests)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')} |`,
      );
    }

    const url = (path: string, headers: Record<string, string> = {}) => {
      const [p, q = ''] = path.split('?');
      return {
        version: '2.0',
        rawPath: p,
        rawQueryString: q,
        headers: { host: 'feeds.example.com', ...headers },
        requestContext: { http: { method: 'GET', path: p }, domainName: 'feeds.example.com' },
        isBase64Encoded: false,
      };
    };
    const encodings = ['identity', 'gzip', 'br'];
    const feedEvents = [
      url(topicFeed, { 'accept-encoding': 'br, gzip' }),
      url(topicFeed, { 'accept-encoding': 'br, gzip' }),
      url(topicFeed, { 'if-none-match': etag }),
      ...encodings.map((e) => url('/rss.xml', { 'accept-encoding': e })),
      ...encodings.map((e) => url('/atom.xml', { 'accept-encoding': e })),
      ...encodings.map((e) => url('/feed.json', { 'accept-encoding': e })),
      ...Array.from({ length: 20 }, (_, i) =>
        url(`/rss.xml?limit=${30 + i}`, { 'accept-encoding': 'br, gzip' }),
      ),
    ];
    const feeds = await runHandler(bundles.feeds as string, feedEvents, {
      TABLE_NAME: 'metered',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      PUBLIC_BASE_URL: 'https://feeds.example.com',
    });
    const r = feeds.results;
    say('\n## Feeds handler (bundled), Function URL events\n');
    say(`- init ${ms(feeds.init)}; peak RSS ${(feeds.maxRssKB / 1024).toFixed(0)} MB`);
    say(
      `- first render of a 50-item topic feed (cold clients): wall ${ms(r[0]?.wall ?? 0)}, CPU ${ms(r[0]?.cpu ?? 0)}`,
    );
    say(`- same feed again (render cache): wall ${ms(r[1]?.wall ?? 0)}; 304: wall ${ms(r[2]?.wall ?? 0)}`);
    const renders = r.slice(12);
    say(
      `- uncached renders of the all-articles RSS (warm clients): wall median ${ms(median(renders.map((x) => x.wall)))}, CPU median ${ms(median(renders.map((x) => x.cpu)))}`,
    );
    say('\n| 50-item all-articles feed | identity | gzip | br |');
    say('| --- | --- | --- | --- |');
    for (const [i, format] of ['RSS', 'Atom', 'JSON Feed'].entries()) {
      const sizes = r.slice(3 + i * 3, 6 + i * 3).map((x) => `${kb(x.bytes)} (${x.encoding})`);
      say(`| ${format} | ${sizes.join(' | ')} |`);
    }
    metered.destroy();
  } finally {
    await Promise.all([dynamo.close(), s3.close()]);
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
