/**
 * The ingest pipeline of the local stack, assembled from its own pieces so a run can control each one:
 * s3rver with S3-shaped notifications (local/s3-notifications.ts), the SQS-like queue with redelivery
 * (local/event-queue.ts) and the real ingest Lambda handler, against a DynamoDB endpoint given by the
 * caller (which may stop it). Every notification record is kept, for a clean ingest to compare with.
 */
import { DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event, S3EventRecord, SQSEvent } from 'aws-lambda';
import { decodeInvocation } from '../../functions/ingest/events.js';
import { EventQueue, type EventQueueOptions } from '../../local/event-queue.js';
import { notificationRecord, Sequencer, watchObjectChanges } from '../../local/s3-notifications.js';
import { LOCAL_REGION, type LocalS3, S3RVER_CREDENTIALS, startS3 } from '../../local/servers.js';
import { parseArticle } from '../../shared/article/article.js';
import { providerFeedOf } from '../../shared/article/entry-feeds.js';
import { givenBefore, NO_NAME_CLAIM } from '../../shared/article/name-claim.js';
import { providerOfFeed } from '../../shared/article/provider-feed.js';
import { mapLimit } from '../../shared/concurrency.js';
import { InvalidArticleError } from '../../shared/errors.js';
import { Ingester } from '../../shared/ingest/ingester.js';
import { S3Objects } from '../../shared/ingest/objects.js';
import { listArticleObjects } from '../../shared/ingest/reconcile.js';
import type { Log } from '../../shared/logger.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';

export const BUCKET = 'articles';
export const TABLE = 'feedbucket';

export const quietLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export interface Pipeline {
  s3: LocalS3;
  dynamo: DynamoDBClient;
  queue: EventQueue;
  /** Every notification record, in the order the bucket changed. */
  records: S3EventRecord[];
  put(key: string, body: string | Buffer): Promise<void>;
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A DynamoDB client that, like the functions', retries (8 attempts) and then gives up. */
export const dynamoClientFor = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 8,
  });

/**
 * Starts s3rver under `s3Dir`, points the ingest handler at `dynamoEndpoint`, and (unless `deliver` is false)
 * queues each bucket change for the handler as it happens. One pipeline per process: the handler reads its
 * settings once, at import.
 */
export async function startPipeline(options: {
  s3Dir: string;
  dynamoEndpoint: string;
  deliver?: boolean;
  queue?: Partial<EventQueueOptions>;
}): Promise<Pipeline> {
  const env = process.env;
  Object.assign(env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: options.dynamoEndpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const s3 = await startS3({ directory: options.s3Dir, buckets: [BUCKET] });
  env.S3_ENDPOINT = s3.endpoint;
  const dynamo = dynamoClientFor(options.dynamoEndpoint);
  await createTable(dynamo, TABLE);
  const { handler } = await import('../../functions/ingest/handler.js');

  const queue = new EventQueue({
    handler: (event: SQSEvent) => handler(event),
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
    records,
    put: async (key, body) => {
      await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    remove: async (key) => {
      await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    },
    close: async () => {
      stop();
      await queue.stop(0);
      dynamo.destroy();
      await s3.close();
    },
  };
}

/** Creates a table and waits until it is ACTIVE (dynalite, like DynamoDB, refuses writes while CREATING). */
export async function createTable(client: DynamoDBClient, table: string): Promise<void> {
  await ensureTable(client, table);
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 1 }, { TableName: table });
}

/** Applies the records once each, in order, through the ingest core into `table`: the reference result. */
export async function cleanIngest(pipeline: Pipeline, table: string): Promise<void> {
  await createTable(pipeline.dynamo, table);
  const ingester = new Ingester({
    store: new DynamoStore(pipeline.dynamo, table),
    objects: new S3Objects(pipeline.s3.client),
    log: quietLog,
    maxObjectBytes: 1024 * 1024,
  });
  for (const record of pipeline.records) {
    for (const delivery of decodeInvocation({ Records: [record] } as S3Event)) {
      for (const event of delivery.events) await ingester.apply(event);
    }
  }
}

/**
 * The display name each topic (and provider feed) should have, worked out from the bucket alone (not through the ingest core):
 * among the files there now, the spelling of the earliest upload (LastModified) that names the topic, the
 * smallest spelling on a tie. A reference for both the storm's and the clean ingest's tables, valid when
 * every event was applied after the bucket's last change (as in the storm), so no overwritten content was
 * ever read.
 */
export async function topicNamesFromBucket(
  pipeline: Pipeline,
): Promise<Map<string, { name: string; at: string }>> {
  const objects = new S3Objects(pipeline.s3.client);
  const names = new Map<string, { name: string; at: string }>();
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
