/**
 * The feedbucket stack: articles bucket -> queue -> ingest -> table <- feeds <- CloudFront, with alarms.
 */
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  FEEDS_TIMEOUT_S,
  INGEST_TIMEOUT_S,
  MAX_RECEIVE_COUNT,
  QUEUE_VISIBILITY_TIMEOUT_S,
} from '../shared/limits.js';
import { Alarms } from './constructs/alarms.js';
import { ArticleBucket } from './constructs/article-bucket.js';
import { ArticleTable } from './constructs/article-table.js';
import { FeedsSite } from './constructs/feeds-site.js';
import { Ingest } from './constructs/ingest.js';
import { Reconcile } from './constructs/reconcile.js';
import { WebSubPublisher } from './constructs/websub-publisher.js';
import { acknowledgeCdkProviders } from './nag.js';
import { configuredBaseUrl, type Settings } from './settings.js';

/** The handler modules, relative to the repository root. */
export const HANDLER_ENTRIES = {
  ingest: fileURLToPath(new URL('../functions/ingest/handler.ts', import.meta.url)),
  feeds: fileURLToPath(new URL('../functions/feeds/handler.ts', import.meta.url)),
  reconcile: fileURLToPath(new URL('../functions/reconcile/handler.ts', import.meta.url)),
  publish: fileURLToPath(new URL('../functions/publish/handler.ts', import.meta.url)),
} as const;

/**
 * Timeouts, from measurements (tools/sizing.ts, docs/PERFORMANCE.md "Sizing"): an ingest batch of 10 files took 74 ms of CPU
 * (p95 189 ms, first batch 326 ms) on one core here, so about 0.25 to 1.1 s at 512 MB (0.29 of a vCPU) plus
 * DynamoDB and S3 round trips; an uncached 50-item feed took 37 ms of CPU (first one 81 ms). The margins cover
 * the SDK's bounded retries (shared/limits.ts) and cold starts. The values live in shared/limits.ts, where the
 * local stack reads them too (its handler time limit and receive count are these).
 */
export const INGEST_TIMEOUT = Duration.seconds(INGEST_TIMEOUT_S);
export const FEEDS_TIMEOUT = Duration.seconds(FEEDS_TIMEOUT_S);
/** AWS guidance for SQS event sources: a visibility timeout of at least six times the function timeout. */
export const QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(QUEUE_VISIBILITY_TIMEOUT_S);
export { MAX_RECEIVE_COUNT };
export const INGEST_BATCH_SIZE = 10;
export const INGEST_BATCHING_WINDOW = Duration.seconds(1);
/**
 * The scheduled reconcile may run Lambda's longest; it stops starting files a minute before (a large bucket
 * takes several runs). A drifted counter is corrected only if it is still off this much later: twice the
 * ingest timeout, so that an ingest batch in flight has finished its counter updates.
 */
export const RECONCILE_TIMEOUT = Duration.minutes(15);
export const RECONCILE_SETTLE = Duration.seconds(INGEST_TIMEOUT.toSeconds() * 2);

export interface FeedbucketStackProps extends StackProps {
  settings: Settings;
  /** The handler modules; default HANDLER_ENTRIES. */
  entries?: { ingest: string; feeds: string; reconcile: string; publish: string };
}

const PRICE_CLASS = {
  '100': PriceClass.PRICE_CLASS_100,
  '200': PriceClass.PRICE_CLASS_200,
  All: PriceClass.PRICE_CLASS_ALL,
} as const;

export class FeedbucketStack extends Stack {
  readonly articles: ArticleBucket;
  readonly store: ArticleTable;
  readonly ingest: Ingest;
  readonly feeds: FeedsSite;
  readonly reconcile: Reconcile;
  readonly alarms: Alarms;
  /** Present when WebSub hubs are configured. */
  readonly publisher?: WebSubPublisher;

  constructor(scope: Construct, id: string, props: FeedbucketStackProps) {
    super(scope, id, {
      description: 'feedbucket: article files in S3 become RSS, Atom and JSON feeds per topic',
      ...props,
    });
    const { settings, entries = HANDLER_ENTRIES } = props;
    const destroy = settings.removalPolicy === 'destroy';
    const removalPolicy = destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = settings.logRetentionDays as RetentionDays;

    this.articles = new ArticleBucket(this, 'Articles', {
      removalPolicy,
      autoDeleteObjects: destroy,
      visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      keepOldVersionsDays: settings.keepOldVersionsDays,
    });

    this.store = new ArticleTable(this, 'Store', {
      removalPolicy,
      deletionProtection: settings.deletionProtection,
      maxReadRequestUnits: settings.tableMaxReadRequestUnits,
    });

    this.ingest = new Ingest(this, 'Ingest', {
      entry: entries.ingest,
      bucket: this.articles.bucket,
      queue: this.articles.queue,
      table: this.store,
      memorySize: settings.ingestMemoryMb,
      timeout: INGEST_TIMEOUT,
      maxConcurrency: settings.ingestMaxConcurrency,
      batchSize: INGEST_BATCH_SIZE,
      maxBatchingWindow: INGEST_BATCHING_WINDOW,
      maxObjectBytes: settings.maxObjectBytes,
      logLevel: settings.logLevel,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });

    this.feeds = new FeedsSite(this, 'Feeds', {
      entry: entries.feeds,
      table: this.store,
      siteTitle: settings.siteTitle,
      publicBaseUrl: configuredBaseUrl(settings),
      hubs: settings.websubHubs,
      domainName: settings.domainName,
      certificateArn: settings.certificateArn,
      maxAge: settings.feedMaxAge,
      staleWhileRevalidate: settings.feedStaleWhileRevalidate,
      defaultLimit: settings.feedDefaultLimit,
      maxLimit: settings.feedMaxLimit,
      maxMergedTopics: settings.feedMaxMergedTopics,
      mergedMaxLimit: settings.feedMergedMaxLimit,
      priceClass: PRICE_CLASS[settings.priceClass],
      memorySize: settings.feedsMemoryMb,
      reservedConcurrency: settings.feedsReservedConcurrency,
      timeout: FEEDS_TIMEOUT,
      logLevel: settings.logLevel,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });

    this.reconcile = new Reconcile(this, 'Reconcile', {
      entry: entries.reconcile,
      bucket: this.articles.bucket,
      table: this.store,
      schedule: settings.reconcileSchedule,
      memorySize: settings.ingestMemoryMb,
      timeout: RECONCILE_TIMEOUT,
      maxObjectBytes: settings.maxObjectBytes,
      settle: RECONCILE_SETTLE,
      logLevel: settings.logLevel,
      logRetention,
      logRemovalPolicy: removalPolicy,
    });
    if (settings.websubHubs.length > 0) {
      this.publisher = new WebSubPublisher(this, 'WebSub', {
        entry: entries.publish,
        hubs: settings.websubHubs,
        publicBaseUrl: this.feeds.baseUrl,
        distribution: this.feeds.distribution,
        ingestFunction: this.ingest.function.fn,
        logLevel: settings.logLevel,
        logRetention,
        logRemovalPolicy: removalPolicy,
      });
    }

    this.alarms = new Alarms(this, 'Alarms', {
      deadLetterQueue: this.articles.deadLetterQueue,
      queue: this.articles.queue,
      ingestFunction: this.ingest.function.fn,
      feedsFunction: this.feeds.function.fn,
      publisher: this.publisher && {
        function: this.publisher.function.fn,
        deadLetterQueue: this.publisher.deadLetterQueue,
      },
      maxQueueAge: Duration.minutes(30),
      email: settings.alarmEmail,
    });
    this.alarms.watchErrors(
      'ReconcileErrors',
      this.reconcile.function.fn,
      'The scheduled reconcile failed: some article files could not be applied (their keys are in the reconcile logs), or it crashed. The next run retries; npm run reindex -- --changed does it at once.',
    );

    acknowledgeCdkProviders(this);

    const base = this.feeds.baseUrl;
    new CfnOutput(this, 'BucketName', {
      value: this.articles.bucket.bucketName,
      description: 'Upload article files here (aws s3 sync ./articles s3://<bucket>/)',
    });
    new CfnOutput(this, 'FeedsUrl', { value: `${base}/`, description: 'Home page: topics and their feeds' });
    new CfnOutput(this, 'OpmlUrl', {
      value: `${base}/feeds.opml`,
      description: 'Every topic feed, for a reader',
    });
    new CfnOutput(this, 'DeadLetterQueueName', {
      value: this.articles.deadLetterQueue.queueName,
      description: 'Article events that failed every retry',
    });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName });
    new CfnOutput(this, 'ReconcileFunctionName', {
      value: this.reconcile.function.fn.functionName,
      description: 'Run after the first deploy: aws lambda invoke --function-name <this> out.json',
    });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Where the bucket and table are' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.feeds.distribution.distributionDomainName,
      description: 'Point a custom domain here (CNAME or alias)',
    });
    new CfnOutput(this, 'DistributionId', { value: this.feeds.distribution.distributionId });
  }
}
