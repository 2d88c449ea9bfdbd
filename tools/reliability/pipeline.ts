/**
 * The ingest pipeline of the local stack, assembled from its own pieces (s3rver with S3-shaped notifications,
 * the SQS-like queue, the real ingest handler) so that a run controls each one, against a DynamoDB endpoint
 * the caller may stop; every notification record is kept, for a clean ingest to compare with
 * (`againstClean`).
 */
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { decodeInvocation } from '../../functions/ingest/events.js';
import { EventQueue, type EventQueueOptions } from '../../local/event-queue.js';
import { LOCAL_REGION } from '../../local/function-env.js';
import { notificationRecord, Sequencer, watchObjectChanges } from '../../local/s3-notifications.js';
import { startS3 } from '../../local/servers.js';
import { parseArticle } from '../../shared/article/article.js';
import { providerFeedOf } from '../../shared/article/entry-feeds.js';
import { givenBefore, NO_NAME_CLAIM } from '../../shared/article/name-claim.js';
import { providerOfFeed } from '../../shared/article/provider-feed.js';
import { mapLimit } from '../../shared/concurrency.js';
import { InvalidArticleError } from '../../shared/errors.js';
import { S3Objects } from '../../shared/ingest/objects.js';
import { listArticleObjects } from '../../shared/ingest/reconcile.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';
import { HANDLER_ENV, toolsIngester } from '../lib/app.js';
import { fmt } from './check.js';
import { checkOnce, diffDumps, dumpTable, type Names } from './tables.js';

export const BUCKET = 'articles';
export const TABLE = 'feedbucket';

/**
 * Starts s3rver under `root`, points the ingest handler at `dynamoEndpoint`, and (unless `deliver` is false)
 * queues each bucket change for the handler as it happens. One pipeline per process: the handler reads its
 * settings once, at import.
 */
export async function startPipeline(options: {
  root: string;
  dynamoEndpoint: string;
  deliver?: boolean;
  queue?: Partial<EventQueueOptions>;
}) {
  const s3 = await startS3({ directory: path.join(options.root, 's3'), buckets: [BUCKET] });
  const endpoints = { DYNAMODB_ENDPOINT: options.dynamoEndpoint, S3_ENDPOINT: s3.endpoint };
  Object.assign(process.env, HANDLER_ENV, { TABLE_NAME: TABLE }, endpoints);
  // Like the functions' client, it retries (8 attempts) and then gives up.
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const endpoint = options.dynamoEndpoint;
  const dynamo = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials, maxAttempts: 8 });
  await ensureTable(dynamo, TABLE); // as the local stack does: its dynalite makes tables ACTIVE at once
  const { handler } = await import('../../functions/ingest/handler.js');

  const queue = new EventQueue({
    handler: (e) => handler(e),
    concurrency: 4,
    batchSize: 10,
    ...options.queue,
  });
  const records: S3EventRecord[] = [];
  const sequencer = new Sequencer();
  const stop = watchObjectChanges(s3.server, (change) => {
    if (change.bucket !== BUCKET) return;
    const record = notificationRecord(change, sequencer.next());
    records.push(record);
    if (options.deliver !== false) queue.push(record);
  });

  return {
    s3,
    dynamo,
    queue,
    /** Every notification record, in the order the bucket changed. */
    records,
    put: (key: string, body: string) =>
      s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })),
    remove: (key: string) => s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })),
    close: async () => {
      stop();
      await queue.stop(0);
      dynamo.destroy();
      await s3.close();
    },
  };
}
export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/** Applies the records once each, in order, through the ingest core into `table`: the reference result. */
export async function cleanIngest(pipeline: Pipeline, table: string): Promise<void> {
  await ensureTable(pipeline.dynamo, table);
  const ingester = toolsIngester(new DynamoStore(pipeline.dynamo, table), new S3Objects(pipeline.s3.client));
  const deliveries = pipeline.records.flatMap((record) => decodeInvocation({ Records: [record] } as S3Event));
  for (const event of deliveries.flatMap((d) => d.events)) await ingester.apply(event);
}

/**
 * The display name each topic (and provider feed) should have, from the bucket alone (not through the ingest
 * core): among the files there now, the spelling of the earliest upload (LastModified) that names it, the
 * smallest spelling on a tie. Valid when every event was applied after the bucket's last change (as in the
 * storm), so no overwritten content was ever read.
 */
export async function topicNamesFromBucket(pipeline: Pipeline): Promise<Names> {
  const objects = new S3Objects(pipeline.s3.client);
  const names: Names = new Map();
  const listed = await listArticleObjects(pipeline.s3.client, BUCKET);
  await mapLimit(listed, 8, async ({ key }) => {
    const object = await objects.get(BUCKET, key);
    if (!object?.lastModified) return;
    let article: ReturnType<typeof parseArticle>['article'];
    try {
      article = parseArticle(object.body).article;
    } catch (e) {
      if (e instanceof InvalidArticleError) return;
      throw e;
    }
    if (!article.published) return;
    const claim = (slug: string, name: string, at: string) => {
      const kept = names.get(slug);
      if (!kept || givenBefore(at, name, kept.at, kept.name)) names.set(slug, { name, at });
    };
    for (const { slug, name } of article.entry.topics) claim(slug, name, object.lastModified);
    // A provider's feed is named by its provider's name; without one, by its domain (a claim that never wins).
    const provider = providerFeedOf(article.entry);
    const providerName = article.entry.provider?.name;
    if (provider !== undefined) {
      if (providerName) claim(provider, providerName, object.lastModified);
      else claim(provider, providerOfFeed(provider) as string, NO_NAME_CLAIM);
    }
  });
  return names;
}

/**
 * The table the run left against a clean ingest of the same events (into table `clean`): the figures, and
 * both dumps.
 */
export async function againstClean(pipeline: Pipeline, name: string) {
  const ingested = await dumpTable(pipeline.dynamo, TABLE);
  await cleanIngest(pipeline, 'clean');
  const clean = await dumpTable(pipeline.dynamo, 'clean');
  const once = checkOnce(ingested);
  const differences = diffDumps(clean, ingested, ['clean', name]);
  const figures = {
    ...once,
    rejections: once.rejections.slice(0, 10),
    duplicates: once.duplicates.slice(0, 10),
    countMismatches: once.countMismatches.slice(0, 10),
    expectedArticles: checkOnce(clean).articles,
    items: ingested.size,
    cleanItems: clean.size,
    differencesFromClean: differences.lines.length,
    differingPaths: differences.byPath,
    countersOnlyDifferences: differences.countersOnly,
    firstDifferences: differences.lines.slice(0, 10),
  };
  return { figures, ingested, clean };
}
type TableFigures = Awaited<ReturnType<typeof againstClean>>['figures'];

/**
 * Whether every one of `files` valid files ended ingested once, as a clean ingest leaves it (write counters
 * aside), with a note for each way it did not, and the line that reports it ("Files: 2,000 ingested, …").
 */
export function ingestedOnce(f: TableFigures, files: number) {
  const notes: string[] = [];
  const lost = files - f.fileStates.ok - f.fileStates.rejected;
  if (lost > 0) notes.push(`${lost} files never ended ingested or rejected.`);
  if (f.fileStates.rejected > 0)
    notes.push(
      `Rejected (valid files, so for a transient cause): ${f.rejections.map((r) => `${r.key}: ${r.reason}`).join('; ')}.`,
    );
  if (f.countMismatches.length)
    notes.push(`Topic counts off (entries vs count): ${f.countMismatches.slice(0, 6).join(', ')}.`);
  if (f.differencesFromClean > 0)
    notes.push(`Differences from the clean ingest: ${f.firstDifferences.slice(0, 4).join(' · ')}`);
  const ok =
    f.fileStates.ok === files &&
    f.articles === f.expectedArticles &&
    f.allEntries === f.expectedArticles &&
    f.duplicates.length + f.pending + f.countMismatches.length + f.differencesFromClean === 0;
  const line =
    `**Files: ${fmt(f.fileStates.ok)} ingested, ${fmt(f.fileStates.rejected)} rejected, lost: ${fmt(lost)}**; ` +
    `${fmt(f.articles)} articles (clean ingest: ${fmt(f.expectedArticles)}), ${fmt(f.allEntries)} in the all-articles feed, ` +
    `${f.duplicates.length} twice, ${f.pending} half-written, ${f.countMismatches.length} topic counts off; ` +
    `table vs a clean ingest of the same events: ${fmt(f.differencesFromClean)} items differ in content` +
    `${f.countersOnlyDifferences ? ` (${fmt(f.countersOnlyDifferences)} more only in write counters)` : ''}.`;
  return { ok, notes, line };
}
