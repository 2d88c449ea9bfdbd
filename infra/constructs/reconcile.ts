/**
 * The scheduled reconcile: a function that an EventBridge rule invokes (daily by default) to apply what the
 * bucket's events missed and to correct drifted topic counters. It reads the bucket (list and get) and reads
 * and writes the table through the ingest core; its errors raise an alarm (see Alarms.watchErrors).
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AppFunction } from './app-function.js';
import { grantArticleReads } from './article-bucket.js';
import type { ArticleTable } from './article-table.js';

export interface ReconcileProps {
  entry: string;
  bucket: IBucket;
  table: ArticleTable;
  /** An EventBridge schedule expression (validated with the settings). */
  schedule: string;
  memorySize: number;
  timeout: Duration;
  maxObjectBytes: number;
  /** Pause before a drifted topic counter is confirmed; well above the time an ingest batch takes. */
  settle: Duration;
  logLevel: string;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export class Reconcile extends Construct {
  readonly function: AppFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ReconcileProps) {
    super(scope, id);
    if (props.settle.toSeconds() * 2 >= props.timeout.toSeconds()) {
      throw new Error(`${this.node.path}: the settling pause must be well under half the timeout`);
    }

    this.function = new AppFunction(this, 'Reconcile', {
      entry: props.entry,
      description: 'feedbucket reconcile: applies what the bucket events missed; corrects topic counters',
      memorySize: props.memorySize,
      timeout: props.timeout,
      service: 'reconcile',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        TABLE_NAME: props.table.table.tableName,
        BUCKET_NAME: props.bucket.bucketName,
        MAX_OBJECT_BYTES: String(props.maxObjectBytes),
        RECOUNT_SETTLE_SECONDS: String(props.settle.toSeconds()),
      },
    });
    const fn = this.function.fn;
    grantArticleReads(this.function, props.bucket, 'Reconcile lists and reads');
    props.table.grantReconcile(fn);

    this.rule = new Rule(this, 'Schedule', {
      description: 'feedbucket: reconcile the articles bucket with the table',
      schedule: Schedule.expression(props.schedule),
      targets: [new LambdaFunction(fn)],
    });
  }
}
