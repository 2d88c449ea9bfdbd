/**
 * The ingest function: consumes the bucket's events from the queue in batches, reports failed records one by
 * one (partial batch responses), reads the bucket and writes the table, nothing else.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction } from './app-function.js';
import { grantArticleReads } from './article-bucket.js';
import type { ArticleTable } from './article-table.js';

export interface IngestProps {
  entry: string;
  bucket: IBucket;
  queue: IQueue;
  table: ArticleTable;
  memorySize: number;
  timeout: Duration;
  maxConcurrency: number;
  batchSize: number;
  maxBatchingWindow: Duration;
  maxObjectBytes: number;
  logLevel: string;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class Ingest extends Construct {
  readonly function: AppFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    if (props.batchSize > 10 && props.maxBatchingWindow.toSeconds() === 0) {
      throw new Error(
        `${this.node.path}: a batch size above 10 needs a batching window (an SQS event source rule)`,
      );
    }

    this.function = new AppFunction(this, 'Ingest', {
      entry: props.entry,
      description: 'feedbucket ingest: article files from the bucket into the table',
      memorySize: props.memorySize,
      timeout: props.timeout,
      service: 'ingest',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        MAX_OBJECT_BYTES: String(props.maxObjectBytes),
      },
    });
    const fn = this.function.fn;

    grantArticleReads(this.function, props.bucket, 'Ingest reads');
    props.table.grantIngest(fn);

    // Grants the queue's receive/delete/visibility actions to the role (the event source mapping's needs).
    fn.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
  }
}
