/**
 * The articles bucket and the queue its events go through: S3 (ObjectCreated, ObjectRemoved, article suffixes
 * only) -> SQS -> ingest, with a dead-letter queue for records that keep failing.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketNotificationDestinationConfig,
  BucketNotificationDestinationType,
  type CfnBucket,
  EventType,
  type IBucket,
  type IBucketNotificationDestination,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notificationSuffixes } from '../../shared/article/files.js';
import { MAX_RECEIVE_COUNT, QUEUE_VISIBILITY_TIMEOUT_S } from '../../shared/limits.js';
import { DEFAULTS } from '../settings-defaults.js';
import type { AppFunction } from './app-function.js';

export interface ArticleBucketProps {
  /**
   * What happens to the bucket when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Empty the bucket when the stack is deleted (only with a DESTROY removal policy).
   *
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
  /**
   * The event queue's visibility timeout: at least 6 times the consuming function's timeout (AWS guidance for
   * SQS event sources).
   *
   * @default - 6 times the ingest timeout (shared/limits.ts)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Deliveries of one message before it moves to the dead-letter queue.
   *
   * @default - MAX_RECEIVE_COUNT of shared/limits.ts (the local stack's too)
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an overwritten or deleted object version stays recoverable (S3 noncurrent version expiration).
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * The queue as the bucket's event destination. Hand-written because the CDK's SqsDestination lets S3 send when
 * the source bucket's ARN matches only; this also requires the bucket's account (aws:SourceAccount), as AWS
 * advises against the confused deputy: a bucket name freed and taken by another account cannot send here.
 */
export class AccountCheckedQueue implements IBucketNotificationDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, bucket: IBucket): BucketNotificationDestinationConfig {
    this.queue.grantSendMessages(
      new ServicePrincipal('s3.amazonaws.com', {
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
        },
      }),
    );
    return {
      arn: this.queue.queueArn,
      type: BucketNotificationDestinationType.QUEUE,
      dependencies: [this.queue],
    };
  }
}

/**
 * Lets a function read the article files of the bucket: s3:GetObject on its objects, and s3:ListBucket, which
 * makes a key deleted meanwhile a 404 (NoSuchKey) rather than a 403, and lets the reconcile list the bucket.
 */
export function grantArticleReads(fn: AppFunction, bucket: IBucket, purpose: string): void {
  fn.fn.addToRolePolicy(
    new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }),
  );
  fn.fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  const bucketId = Stack.of(fn).getLogicalId(bucket.node.defaultChild as CfnBucket);
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
    reason: `${purpose} any article file of this one bucket (s3:GetObject only); object keys are user-chosen.`,
  });
}

export class ArticleBucket extends Construct {
  readonly bucket: IBucket;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;

  constructor(scope: Construct, id: string, props: ArticleBucketProps = {}) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? MAX_RECEIVE_COUNT;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(`${this.node.path}: maxReceiveCount must be a whole number between 1 and 1000`);
    }

    const deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.deadLetterQueue = deadLetterQueue;
    this.queue = new Queue(this, 'EventQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(QUEUE_VISIBILITY_TIMEOUT_S),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
    });

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: props.autoDeleteObjects ?? false,
      lifecycleRules: [
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration:
            props.noncurrentVersionExpiration ?? Duration.days(DEFAULTS.keepOldVersionsDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs would need a second bucket and cost more than the articles; every change to an object ' +
        'is already recorded as an S3 event and applied by ingest, whose logs name the key. Use CloudTrail data ' +
        'events when an audit trail of who wrote what is required.',
    });

    const destination = new AccountCheckedQueue(this.queue);
    for (const suffix of notificationSuffixes()) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, destination, { suffix });
      this.bucket.addEventNotification(EventType.OBJECT_REMOVED, destination, { suffix });
    }
  }
}
