/**
 * WebSub publishing, apart from ingest: the ingest function sends one message per batch that changed feeds to
 * the publish queue; the publisher function takes them in batches (a short window, little concurrency),
 * invalidates CloudFront and waits for it, then pings every hub. Its failures (an invalidation that fails or
 * does not complete) are retried by the queue and end in its own dead-letter queue; a hub that fails only
 * costs a warning and the PingsDropped metric. Nothing here can slow or fail an ingest batch.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction } from './app-function.js';

/**
 * The publisher's time limit: up to 5 minutes waiting for the invalidation (it usually completes in seconds),
 * then the pings, which a failing hub bounds to one round of retries and time-outs.
 */
export const PUBLISH_TIMEOUT = Duration.minutes(7);
export const PUBLISH_MAX_RECEIVE_COUNT = 3;
/** Messages (one per ingest batch) taken at once; the window gathers a backfill's messages into few runs. */
export const PUBLISH_BATCH_SIZE = 100;
export const PUBLISH_BATCHING_WINDOW = Duration.seconds(2);
/** The least an SQS event source allows; each run invalidates `/*` once (one path, README "Cost"). */
export const PUBLISH_MAX_CONCURRENCY = 2;

export interface WebSubPublisherProps {
  entry: string;
  hubs: readonly string[];
  /** The feeds' public base URL (the self URLs the hubs are told of). */
  publicBaseUrl: string;
  distribution: IDistribution;
  /** Sends the change messages. */
  ingestFunction: LambdaFunction;
  logLevel: string;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class WebSubPublisher extends Construct {
  readonly function: AppFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WebSubPublisherProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'PublishQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for SQS event sources: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(PUBLISH_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: PUBLISH_MAX_RECEIVE_COUNT },
    });

    this.function = new AppFunction(this, 'Publish', {
      entry: props.entry,
      description: 'feedbucket publish: tells WebSub hubs which feeds changed',
      memorySize: 256,
      timeout: PUBLISH_TIMEOUT,
      service: 'publish',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        WEBSUB_HUBS: props.hubs.join(','),
        PUBLIC_BASE_URL: props.publicBaseUrl,
        DISTRIBUTION_ID: props.distribution.distributionId,
      },
    });
    const fn = this.function.fn;
    // The distribution's own ARN only: create an invalidation, then read its status until it completes.
    props.distribution.grant(fn, 'cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation');
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: PUBLISH_BATCH_SIZE,
        maxBatchingWindow: PUBLISH_BATCHING_WINDOW,
        maxConcurrency: PUBLISH_MAX_CONCURRENCY,
      }),
    );

    this.queue.grantSendMessages(props.ingestFunction);
    props.ingestFunction.addEnvironment('PUBLISH_QUEUE_URL', this.queue.queueUrl);
  }
}
