/**
 * `npm run sizing`: the measurements behind the stack's sizing and the cost estimate (docs/PERFORMANCE.md):
 *
 *   npm run sizing [-- --articles 1000] [--runs 9]
 *
 * 1. Bundles: each handler bundled as the stack bundles it (SDK inside, minified ESM) and with `@aws-sdk/*`
 *    left external (resolved from node_modules, standing in for the Lambda runtime's copy): size, gzip size,
 *    module init time in fresh processes (median of --runs, the two variants alternating). Bench row 6
 *    compares the deployed bundle with the SDK alone.
 * 2. Ingest: the bundled handler in a child process applies SQS batches of 10 S3 events (built by the local
 *    queues' own record builders) for --articles corpus files in s3rver, against dynalite: wall and CPU time
 *    per batch, peak RSS.
 * 3. DynamoDB units and storage: bench row 7 (write units per new and edited article and per re-indexed file,
 *    read units per feed request, item sizes).
 * 4. Feeds: the bundled handler in a child process answers Function URL events: time per cold render, per
 *    render-cache hit and per 304; response sizes (identity, gzip, br); peak RSS.
 * Figures are printed as Markdown. Everything runs on local servers; nothing leaves the machine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sqsRecord } from '../local/event-queue.js';
import { notificationRecord } from '../local/s3-notifications.js';
import { startDynamo, startS3 } from '../local/servers.js';
import { DynamoStore, ensureTable } from '../shared/store/dynamodb.js';
import { formatValue } from './bench/lib/report.js';
import { capacityRow } from './bench/rows/capacity.js';
import { FEEDS_CONFIG, toolsFeedsApp } from './lib/app.js';
import { bundle, HANDLER_ENV, initTime } from './lib/bundles.js';
import { generateCorpus } from './lib/corpus.js';
import { REPO_ROOT, runToEnd } from './lib/procs.js';
import { mapLimit, median, quantile } from './lib/stats.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: { articles: { type: 'string', default: '1000' }, runs: { type: 'string', default: '9' } },
});
const ARTICLES = Number(values.articles);
const RUNS = Number(values.runs);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const p95 = (xs: number[]) => quantile(xs, 0.95);
// Under the repository (git-ignored `cdk.out.*`), so that an external @aws-sdk/* resolves from node_modules as
// the runtime's copy would resolve from /var/runtime.
const work = mkdtempSync(join(REPO_ROOT, 'cdk.out.sizing-'));

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

async function runHandler(file: string, events: unknown[], env: Record<string, string>): Promise<RunResult> {
  const eventsFile = join(work, `events-${Date.now()}.json`);
  writeFileSync(eventsFile, JSON.stringify(events));
  const out = await runToEnd(process.execPath, ['--input-type=module', '-e', RUNNER], {
    ...HANDLER_ENV,
    LOG_LEVEL: 'ERROR',
    ...env,
    BUNDLE: pathToFileURL(file).href,
    EVENTS: eventsFile,
  });
  return JSON.parse(out) as RunResult;
}

/** A Function URL event (payload 2.0) for a GET. */
const urlEvent = (path: string, headers: Record<string, string> = {}) => {
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

async function main(): Promise<void> {
  console.log(
    `# feedbucket sizing (${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node})`,
  );

  console.log('\n## Bundles and module init (fresh process, median of runs)\n');
  console.log('| function | variant | size | gzip | init |\n| --- | --- | --- | --- | --- |');
  const bundles: Record<string, string> = {};
  for (const name of ['ingest', 'feeds'] as const) {
    const entry = { entry: `functions/${name}/handler.ts` };
    const inside = await bundle(entry, join(work, `${name}.mjs`));
    const outside = await bundle(entry, join(work, `${name}-sdk-external.mjs`), { external: ['@aws-sdk/*'] });
    bundles[name] = inside.file;
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < RUNS; i++) {
      times[0].push((await initTime(inside.file)).wall);
      times[1].push((await initTime(outside.file)).wall);
    }
    for (const [i, [b, label]] of (
      [
        [inside, 'SDK bundled (deployed)'],
        [outside, '@aws-sdk/* external (runtime copy)'],
      ] as const
    ).entries())
      console.log(
        `| ${name} | ${label} | ${kb(b.bytes)} | ${kb(b.gzip)} | ${ms(median(times[i] as number[]))} |`,
      );
  }

  const [dynamo, s3] = await Promise.all([
    startDynamo(),
    startS3({ directory: join(work, 's3'), buckets: ['articles'] }),
  ]);
  try {
    const files = [...generateCorpus({ count: ARTICLES })];
    await mapLimit(files, 16, (f) =>
      s3.client.send(new PutObjectCommand({ Bucket: 'articles', Key: f.key, Body: f.text })),
    );
    const fileBytes = files.map((f) => Buffer.byteLength(f.text));
    await ensureTable(dynamo.client, 'feedbucket');
    const batches: unknown[] = [];
    for (let i = 0; i < files.length; i += 10) {
      const records = files.slice(i, i + 10).map((f, j) => {
        const change = {
          bucket: 'articles',
          key: f.key,
          eventName: 'ObjectCreated:Put',
          size: Buffer.byteLength(f.text),
        } as const;
        const body = JSON.stringify({
          Records: [notificationRecord(change, (i + j + 1).toString(16).padStart(16, '0'))],
        });
        return sqsRecord({
          id: `m-${i + j}`,
          body,
          receives: 1,
          sentAt: Date.now(),
          senderId: 'sizing',
          arn: 'arn:aws:sqs:::sizing',
        });
      });
      batches.push({ Records: records });
    }
    const env = { DYNAMODB_ENDPOINT: dynamo.endpoint, S3_ENDPOINT: s3.endpoint };
    const ingest = await runHandler(bundles.ingest as string, batches, env);
    const wall = ingest.results.map((r) => r.wall);
    const cpu = ingest.results.map((r) => r.cpu);
    console.log(`\n## Ingest handler (bundled), ${files.length} corpus files in SQS batches of 10\n`);
    console.log(`- article files: median ${kb(median(fileBytes))}, p95 ${kb(p95(fileBytes))}`);
    console.log(
      `- init ${ms(ingest.init)}; per batch: wall median ${ms(median(wall))}, p95 ${ms(p95(wall))}; CPU median ${ms(median(cpu))}, p95 ${ms(p95(cpu))}`,
    );
    console.log(`- first batch (cold clients): wall ${ms(wall[0] ?? 0)}, CPU ${ms(cpu[0] ?? 0)}`);
    const failed = ingest.results.reduce((s, r) => s + r.failures, 0);
    console.log(`- peak RSS ${(ingest.maxRssKB / 1024).toFixed(0)} MB; failed records ${failed}`);

    console.log('\n## DynamoDB units and storage (bench row 7)\n');
    const units = await capacityRow({
      selected: [7],
      seed: 20210314,
      runs: 1,
      quick: false,
      tmp: work,
      progress: () => {},
    });
    for (const f of units.figures)
      console.log(`- ${f.label}: ${formatValue(f.ours?.value, f.ours?.unit)}; ${f.note ?? ''}`);

    const store = new DynamoStore(dynamo.client, 'feedbucket');
    const top = (await store.listTopics()).sort((a, b) => b.count - a.count)[0];
    const topicFeed = `/topics/${top?.slug}/rss.xml`;
    const app = toolsFeedsApp(store, {
      config: { ...FEEDS_CONFIG, publicBaseUrl: 'https://feeds.example.com' },
    });
    const etag = String((await app({ method: 'GET', path: topicFeed, headers: {} })).headers.etag);
    const encodings = ['identity', 'gzip', 'br'];
    const feedEvents = [
      urlEvent(topicFeed, { 'accept-encoding': 'br, gzip' }),
      urlEvent(topicFeed, { 'accept-encoding': 'br, gzip' }),
      urlEvent(topicFeed, { 'if-none-match': etag }),
      ...['/rss.xml', '/atom.xml', '/feed.json'].flatMap((p) =>
        encodings.map((e) => urlEvent(p, { 'accept-encoding': e })),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        urlEvent(`/rss.xml?limit=${30 + i}`, { 'accept-encoding': 'br, gzip' }),
      ),
    ];
    const feeds = await runHandler(bundles.feeds as string, feedEvents, {
      ...env,
      PUBLIC_BASE_URL: 'https://feeds.example.com',
    });
    const r = feeds.results;
    const renders = r.slice(12);
    console.log('\n## Feeds handler (bundled), Function URL events\n');
    console.log(`- init ${ms(feeds.init)}; peak RSS ${(feeds.maxRssKB / 1024).toFixed(0)} MB`);
    console.log(
      `- first render of a 50-item topic feed (cold clients): wall ${ms(r[0]?.wall ?? 0)}, CPU ${ms(r[0]?.cpu ?? 0)}`,
    );
    console.log(
      `- same feed again (render cache): wall ${ms(r[1]?.wall ?? 0)}; ${r[2]?.status}: wall ${ms(r[2]?.wall ?? 0)}`,
    );
    console.log(
      `- uncached renders of the all-articles RSS (warm clients): wall median ${ms(median(renders.map((x) => x.wall)))}, CPU median ${ms(median(renders.map((x) => x.cpu)))}`,
    );
    console.log('\n| 50-item all-articles feed | identity | gzip | br |\n| --- | --- | --- | --- |');
    for (const [i, format] of ['RSS', 'Atom', 'JSON Feed'].entries()) {
      const sizes = r.slice(3 + i * 3, 6 + i * 3).map((x) => `${kb(x.bytes)} (${x.encoding})`);
      console.log(`| ${format} | ${sizes.join(' | ')} |`);
    }
  } finally {
    await Promise.all([dynamo.close(), s3.close()]);
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
