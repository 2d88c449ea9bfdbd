/**
 * WebSub publishing, apart from ingest: the ingest function sends one message per batch that changed feeds to
 * the publish queue; the publisher function takes them in batches (a short window, little concurrency),
 * invalidates CloudFront and waits for it, then pings every hub. Its failures (an invalidation that fails or
 * does not complete) are retried by the queue and end in its own dead-letter queue; a hub that fails only
 * costs a warning and the PingsDropped metric. Nothing here can slow or fail an ingest batch.
 */
import { Duration, Size } from 'aws-cdk-lib';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction, type AppFunctionOptions, HANDLER_ENTRIES } from './app-function.js';

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

export interface WebSubPublisherProps extends AppFunctionOptions {
  /**
   * The handler module.
   *
   * @default - functions/publish/handler.ts of this repository
   */
  readonly entry?: string;
  /** The WebSub hubs to ping (absolute http(s) URLs). */
  readonly hubs: readonly string[];
  /** The feeds' public base URL (the self URLs the hubs are told of). */
  readonly publicBaseUrl: string;
  /** The distribution whose cached feeds are invalidated before the hubs are pinged. */
  readonly distribution: IDistribution;
  /**
   * The function's memory.
   *
   * @default Size.mebibytes(256)
   */
  readonly memorySize?: Size;
}

/**
 * Sends the feeds an ingest batch changed to the publisher: Ingest.addPublishQueue(publisher.queue) gives the
 * ingest function the grant and the queue's URL.
 */
export class WebSubPublisher extends Construct {
  readonly function: AppFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;

  constructor(scope: Construct, id: string, props: WebSubPublisherProps) {
    super(scope, id);
    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = deadLetterQueue;
    const queue = new Queue(this, 'PublishQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS guidance for SQS event sources: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(PUBLISH_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: PUBLISH_MAX_RECEIVE_COUNT },
    });
    this.queue = queue;

    this.function = new AppFunction(this, 'Publish', {
      entry: props.entry ?? HANDLER_ENTRIES.publish,
      description: 'feedbucket publish: tells WebSub hubs which feeds changed',
      memorySize: props.memorySize ?? Size.mebibytes(256),
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
  }
}
