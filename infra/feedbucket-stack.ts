/**
 * The feedbucket stack: articles bucket -> queue -> ingest -> table <- feeds <- CloudFront, with alarms.
 */
import { CfnOutput, Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { PriceClass } from 'aws-cdk-lib/aws-cloudfront';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Alarms } from './constructs/alarms.js';
import { HANDLER_ENTRIES } from './constructs/app-function.js';
import { ArticleBucket } from './constructs/article-bucket.js';
import { ArticleTable } from './constructs/article-table.js';
import { FeedsSite } from './constructs/feeds-site.js';
import { Ingest } from './constructs/ingest.js';
import { Reconcile } from './constructs/reconcile.js';
import { WebSubPublisher } from './constructs/websub-publisher.js';
import { acknowledgeCdkProviders } from './nag.js';
import { configuredBaseUrl, type Settings } from './settings.js';

/** The four handler modules. */
export interface HandlerEntries {
  readonly ingest: string;
  readonly feeds: string;
  readonly reconcile: string;
  readonly publish: string;
}

export interface FeedbucketStackProps extends StackProps {
  /** The validated deployment settings (settings.ts). */
  readonly settings: Settings;
  /**
   * The handler modules.
   *
   * @default HANDLER_ENTRIES (this repository's functions/)
   */
  readonly entries?: HandlerEntries;
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

    const logs = { logLevel: settings.logLevel, logRetention, logRemovalPolicy: removalPolicy };
    const maxObjectSize = Size.bytes(settings.maxObjectBytes);

    this.articles = new ArticleBucket(this, 'Articles', {
      removalPolicy,
      autoDeleteObjects: destroy,
      noncurrentVersionExpiration: Duration.days(settings.keepOldVersionsDays),
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
      table: this.store.table,
      memorySize: Size.mebibytes(settings.ingestMemoryMb),
      maxConcurrency: settings.ingestMaxConcurrency,
      maxObjectSize,
      ...logs,
    });

    this.feeds = new FeedsSite(this, 'Feeds', {
      entry: entries.feeds,
      table: this.store.table,
      siteTitle: settings.siteTitle,
      publicBaseUrl: configuredBaseUrl(settings),
      hubs: settings.websubHubs,
      domainName: settings.domainName,
      certificate:
        settings.certificateArn === undefined
          ? undefined
          : Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn),
      maxAge: Duration.seconds(settings.feedMaxAge),
      staleWhileRevalidate: Duration.seconds(settings.feedStaleWhileRevalidate),
      defaultLimit: settings.feedDefaultLimit,
      maxLimit: settings.feedMaxLimit,
      maxMergedTopics: settings.feedMaxMergedTopics,
      mergedMaxLimit: settings.feedMergedMaxLimit,
      topWindow: Duration.days(settings.feedTopWindowDays),
      priceClass: PRICE_CLASS[settings.priceClass],
      memorySize: Size.mebibytes(settings.feedsMemoryMb),
      reservedConcurrency: settings.feedsReservedConcurrency,
      ...logs,
    });

    this.reconcile = new Reconcile(this, 'Reconcile', {
      entry: entries.reconcile,
      bucket: this.articles.bucket,
      table: this.store.table,
      schedule: Schedule.expression(settings.reconcileSchedule),
      memorySize: Size.mebibytes(settings.ingestMemoryMb),
      maxObjectSize,
      ...logs,
    });
    if (settings.websubHubs.length > 0) {
      this.publisher = new WebSubPublisher(this, 'WebSub', {
        entry: entries.publish,
        hubs: settings.websubHubs,
        publicBaseUrl: this.feeds.baseUrl,
        distribution: this.feeds.distribution,
        ...logs,
      });
      this.ingest.addPublishQueue(this.publisher.queue);
    }

    this.alarms = new Alarms(this, 'Alarms', {
      deadLetterQueue: this.articles.deadLetterQueue,
      queue: this.articles.queue,
      ingestFunction: this.ingest.function.fn,
      feedsFunction: this.feeds.function.fn,
      publishFunction: this.publisher?.function.fn,
      publishDeadLetterQueue: this.publisher?.deadLetterQueue,
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
