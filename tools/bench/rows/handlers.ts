/**
 * Row 9: the bundled handlers on Lambda events in fresh processes, the figures behind the functions' memory
 * and time limits (the method: docs/PERFORMANCE.md, "How each row is measured"; their use: its Sizing).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sqsRecord } from '../../../local/event-queue.js';
import { notificationRecord } from '../../../local/s3-notifications.js';
import { startDynamo, startS3 } from '../../../local/servers.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { FEEDS_CONFIG, toolsFeedsApp } from '../../lib/app.js';
import { type BundleRun, bundle, runBundle } from '../../lib/bundles.js';
import { generateCorpus } from '../../lib/corpus.js';
import { mapLimit, median, quantile } from '../../lib/stats.js';
import { type BenchContext, type Figure, type RowResult, single } from '../lib/report.js';

/** A Function URL event (payload 2.0) for a GET. */
const urlEvent = (path: string, headers: Record<string, string> = {}) => {
  const [rawPath, rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    rawPath,
    rawQueryString,
    headers: { host: 'feeds.example.com', ...headers },
    requestContext: { http: { method: 'GET', path: rawPath }, domainName: 'feeds.example.com' },
    isBase64Encoded: false,
  };
};

const sequencer = (n: number) => n.toString(16).padStart(16, '0');
const SQS_ARN = 'arn:aws:sqs:::bench';
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (x: number | undefined) => `${(x ?? Number.NaN).toFixed(1)} ms`;
const p95 = (xs: number[]) => quantile(xs, 0.95);

export async function handlersRow(ctx: BenchContext): Promise<RowResult> {
  const count = ctx.quick ? 200 : 1000;
  const work = mkdtempSync(join(ctx.tmp, 'handlers-'));
  const [dynamo, s3] = await Promise.all([
    startDynamo(),
    startS3({ directory: join(work, 's3'), buckets: ['articles'] }),
  ]);
  const env = { DYNAMODB_ENDPOINT: dynamo.endpoint, S3_ENDPOINT: s3.endpoint, PUBLIC_BASE_URL: BASE_URL };
  const run = async (name: 'ingest' | 'feeds', events: unknown[]) => {
    const { file } = await bundle({ entry: `functions/${name}/handler.ts` }, join(work, `${name}.mjs`));
    return runBundle(file, events, { ...env, LOG_LEVEL: 'ERROR' });
  };
  try {
    const files = [...generateCorpus({ count, seed: ctx.seed })];
    await mapLimit(files, 16, (f) =>
      s3.client.send(new PutObjectCommand({ Bucket: 'articles', Key: f.key, Body: f.text })),
    );
    await ensureTable(dynamo.client, 'feedbucket');
    const messages = files.map((f, i) => {
      const change = { bucket: 'articles', key: f.key, size: Buffer.byteLength(f.text) };
      const record = notificationRecord({ ...change, eventName: 'ObjectCreated:Put' }, sequencer(i + 1));
      const body = JSON.stringify({ Records: [record] });
      return sqsRecord({
        id: `m-${i}`,
        body,
        receives: 1,
        sentAt: Date.now(),
        senderId: 'bench',
        arn: SQS_ARN,
      });
    });
    const batches = Array.from({ length: Math.ceil(files.length / 10) }, (_, b) => ({
      Records: messages.slice(b * 10, b * 10 + 10),
    }));
    const ingest = await run('ingest', batches);
    ctx.progress(`row 9: ${files.length} files through the bundled ingest handler`);

    const store = new DynamoStore(dynamo.client, 'feedbucket');
    const top = (await store.listTopics()).sort((a, b) => b.count - a.count)[0]?.slug as string;
    const topicFeed = `/topics/${encodeURIComponent(top)}/rss.xml`;
    const app = toolsFeedsApp(store, { config: { ...FEEDS_CONFIG, publicBaseUrl: BASE_URL } });
    const etag = String((await app({ method: 'GET', path: topicFeed, headers: {} })).headers.etag);
    const compressed = { 'accept-encoding': 'br, gzip' };
    const feeds = await run('feeds', [
      urlEvent(topicFeed, compressed),
      urlEvent(topicFeed, compressed),
      urlEvent(topicFeed, { 'if-none-match': etag }),
      ...FORMATS.flatMap(([, path]) => ENCODINGS.map((e) => urlEvent(path, { 'accept-encoding': e }))),
      ...Array.from({ length: 20 }, (_, i) => urlEvent(`/rss.xml?limit=${30 + i}`, compressed)),
    ]);
    return {
      figures: figures(files, ingest, feeds),
      data: { ingest, feeds },
    };
  } finally {
    await Promise.all([dynamo.close(), s3.close()]);
  }
}

const BASE_URL = 'https://feeds.example.com';
const FORMATS = [
  ['RSS', '/rss.xml'],
  ['Atom', '/atom.xml'],
  ['JSON Feed', '/feed.json'],
] as const;
const ENCODINGS = ['identity', 'gzip', 'br'];

function figures(files: { text: string }[], ingest: BundleRun, feeds: BundleRun): Figure[] {
  const fileBytes = files.map((f) => Buffer.byteLength(f.text));
  const wall = ingest.results.map((r) => r.wall);
  const cpu = ingest.results.map((r) => r.cpu);
  const [cold, hit, notModified] = feeds.results;
  const renders = feeds.results.slice(3 + FORMATS.length * ENCODINGS.length);
  if (notModified?.status !== 304)
    throw new Error(`the feeds handler answered ${notModified?.status} to If-None-Match, not 304`);
  return [
    single(
      '9a',
      'ingest: CPU per SQS batch of 10 files, median',
      'ms',
      median(cpu),
      `p95 ${ms(p95(cpu))}; wall median ${ms(median(wall))}, p95 ${ms(p95(wall))}; first batch (cold clients) wall ${ms(wall[0])}, CPU ${ms(cpu[0])}; init ${ms(ingest.init.wall)}; Node ${ingest.node}; ${files.length} corpus files, median ${kb(median(fileBytes))}, p95 ${kb(p95(fileBytes))}`,
    ),
    single(
      '9b',
      'ingest: records reported failed',
      'count',
      ingest.results.reduce((s, r) => s + r.failures, 0),
      'batch item failures of every batch',
      { on: 'value', op: '<=', limit: 0 },
    ),
    single(
      '9c',
      'ingest: peak RSS',
      'bytes',
      ingest.maxRssKB * 1024,
      `after ${ingest.results.length} batches`,
    ),
    single(
      '9d',
      'feeds: first render of a 50-item topic feed (cold clients), CPU',
      'ms',
      cold?.cpu ?? Number.NaN,
      `wall ${ms(cold?.wall)}; init ${ms(feeds.init.wall)}; Node ${feeds.node}`,
    ),
    single(
      '9e',
      'feeds: same feed again (render cache hit), wall',
      'ms',
      hit?.wall ?? Number.NaN,
      `CPU ${ms(hit?.cpu)}`,
    ),
    single('9f', 'feeds: 304 to If-None-Match, wall', 'ms', notModified.wall, `CPU ${ms(notModified.cpu)}`),
    single(
      '9g',
      'feeds: uncached render of the all-articles RSS (warm clients), CPU median',
      'ms',
      median(renders.map((r) => r.cpu)),
      `wall median ${ms(median(renders.map((r) => r.wall)))}; ${renders.length} renders (limit 30 to 49)`,
    ),
    single('9h', 'feeds: peak RSS', 'bytes', feeds.maxRssKB * 1024, `after ${feeds.results.length} events`),
    ...FORMATS.map(([format], i) => {
      const [plain, ...others] = feeds.results.slice(3 + i * 3, 6 + i * 3);
      return single(
        `9${'ijk'[i]}`,
        `50-item all-articles ${format}: response size (${plain?.encoding})`,
        'bytes',
        plain?.bytes ?? Number.NaN,
        others.map((x) => `${x.encoding} ${kb(x.bytes)}`).join(', '),
      );
    }),
  ];
}
