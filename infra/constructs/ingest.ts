/**
 * The ingest function: consumes the bucket's events from the queue in batches, reports failed records one by
 * one (partial batch responses), reads the bucket and writes the table, nothing else.
 */
import { Duration, Size } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGEST_TIMEOUT_S } from '../../shared/limits.js';
import { DEFAULTS } from '../settings-defaults.js';
import { AppFunction, type AppFunctionOptions, HANDLER_ENTRIES } from './app-function.js';
import { grantArticleReads } from './article-bucket.js';
import { grantIngest } from './article-table.js';

/**
 * From measurements (bench row 9, docs/PERFORMANCE.md "Sizing"): an ingest batch of 10 files took 74 ms of CPU (p95
 * 189 ms, first batch 326 ms) on one core here, so about 0.25 to 1.1 s at 512 MB (0.29 of a vCPU) plus
 * DynamoDB and S3 round trips. The margin covers the SDK's bounded retries (shared/limits.ts) and cold starts.
 * The value lives in shared/limits.ts, where the local stack reads it too.
 */
export const INGEST_TIMEOUT = Duration.seconds(INGEST_TIMEOUT_S);
export const INGEST_BATCH_SIZE = 10;
export const INGEST_BATCHING_WINDOW = Duration.seconds(1);

export interface IngestProps extends AppFunctionOptions {
  /**
   * The handler module.
   *
   * @default - functions/ingest/handler.ts of this repository
   */
  readonly entry?: string;
  /** The articles bucket, read by key. */
  readonly bucket: IBucket;
  /** The queue of the bucket's events. */
  readonly queue: IQueue;
  /** The table the articles are written to. */
  readonly table: ITable;
  /**
   * The function's memory.
   *
   * @default Size.mebibytes(512)
   */
  readonly memorySize?: Size;
  /**
   * The most one batch may take.
   *
   * @default INGEST_TIMEOUT
   */
  readonly timeout?: Duration;
  /**
   * Most function instances the queue drives at once (SQS event source maximum concurrency, 2 to 1000).
   *
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Records a batch.
   *
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source gathers records before it invokes.
   *
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Article files above this size are rejected before they are downloaded.
   *
   * @default Size.mebibytes(1)
   */
  readonly maxObjectSize?: Size;
}

export class Ingest extends Construct {
  readonly function: AppFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const batchSize = props.batchSize ?? INGEST_BATCH_SIZE;
    const maxBatchingWindow = props.maxBatchingWindow ?? INGEST_BATCHING_WINDOW;
    if (batchSize > 10 && maxBatchingWindow.toSeconds() === 0) {
      throw new Error(
        `${this.node.path}: a batch size above 10 needs a batching window (an SQS event source rule)`,
      );
    }

    this.function = new AppFunction(this, 'Ingest', {
      entry: props.entry ?? HANDLER_ENTRIES.ingest,
      description: 'feedbucket ingest: article files from the bucket into the table',
      memorySize: props.memorySize,
      timeout: props.timeout ?? INGEST_TIMEOUT,
      service: 'ingest',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        TABLE_NAME: props.table.tableName,
        MAX_OBJECT_BYTES: String((props.maxObjectSize ?? Size.bytes(DEFAULTS.maxObjectBytes)).toBytes()),
      },
    });
    const fn = this.function.fn;

    grantArticleReads(this.function, props.bucket, 'Ingest reads');
    grantIngest(props.table, fn);

    // Grants the queue's receive/delete/visibility actions to the role (the event source mapping's needs).
    fn.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize,
        maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? DEFAULTS.ingestMaxConcurrency,
      }),
    );
  }

  /**
   * Lets ingest send the feeds each batch changed to a queue (the WebSub publisher's): the grant to send, and
   * the queue's URL as PUBLISH_QUEUE_URL.
   */
  addPublishQueue(queue: IQueue): void {
    queue.grantSendMessages(this.function.fn);
    this.function.fn.addEnvironment('PUBLISH_QUEUE_URL', queue.queueUrl);
  }
}
