/**
 * The scheduled reconcile: a function that an EventBridge rule invokes (daily by default) to apply what the
 * bucket's events missed and to correct drifted topic counters. It reads the bucket (list and get) and reads
 * and writes the table through the ingest core; its errors raise an alarm (see Alarms.watchErrors).
 */
import { Duration, Size } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULTS } from '../settings-defaults.js';
import { AppFunction, type AppFunctionOptions, HANDLER_ENTRIES } from './app-function.js';
import { grantArticleReads } from './article-bucket.js';
import { grantReconcile } from './article-table.js';
import { INGEST_TIMEOUT } from './ingest.js';

/**
 * The scheduled reconcile may run Lambda's longest; it stops starting files a minute before (a large bucket
 * takes several runs). A drifted counter is corrected only if it is still off this much later: twice the
 * ingest timeout, so that an ingest batch in flight has finished its counter updates.
 */
export const RECONCILE_TIMEOUT = Duration.minutes(15);
export const RECONCILE_SETTLE = Duration.seconds(INGEST_TIMEOUT.toSeconds() * 2);

export interface ReconcileProps extends AppFunctionOptions {
  /**
   * The handler module.
   *
   * @default - functions/reconcile/handler.ts of this repository
   */
  readonly entry?: string;
  /** The articles bucket, listed and read. */
  readonly bucket: IBucket;
  /** The table the bucket is reconciled with. */
  readonly table: ITable;
  /**
   * When the reconcile runs.
   *
   * @default Schedule.rate(Duration.days(1))
   */
  readonly schedule?: Schedule;
  /**
   * The function's memory.
   *
   * @default Size.mebibytes(512)
   */
  readonly memorySize?: Size;
  /**
   * The most one run may take.
   *
   * @default RECONCILE_TIMEOUT (15 minutes)
   */
  readonly timeout?: Duration;
  /**
   * Article files above this size are rejected before they are downloaded.
   *
   * @default Size.mebibytes(1)
   */
  readonly maxObjectSize?: Size;
  /**
   * Pause before a drifted topic counter is confirmed; well above the time an ingest batch takes, and well
   * under half the timeout.
   *
   * @default RECONCILE_SETTLE (twice the ingest timeout)
   */
  readonly settle?: Duration;
}

export class Reconcile extends Construct {
  readonly function: AppFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ReconcileProps) {
    super(scope, id);
    const timeout = props.timeout ?? RECONCILE_TIMEOUT;
    const settle = props.settle ?? RECONCILE_SETTLE;
    if (settle.toSeconds() * 2 >= timeout.toSeconds()) {
      throw new Error(`${this.node.path}: the settling pause must be well under half the timeout`);
    }

    this.function = new AppFunction(this, 'Reconcile', {
      entry: props.entry ?? HANDLER_ENTRIES.reconcile,
      description: 'feedbucket reconcile: applies what the bucket events missed; corrects topic counters',
      memorySize: props.memorySize,
      timeout,
      service: 'reconcile',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        TABLE_NAME: props.table.tableName,
        BUCKET_NAME: props.bucket.bucketName,
        MAX_OBJECT_BYTES: String((props.maxObjectSize ?? Size.bytes(DEFAULTS.maxObjectBytes)).toBytes()),
        RECOUNT_SETTLE_SECONDS: String(settle.toSeconds()),
      },
    });
    const fn = this.function.fn;
    grantArticleReads(this.function, props.bucket, 'Reconcile lists and reads');
    grantReconcile(props.table, fn);

    this.rule = new Rule(this, 'Schedule', {
      description: 'feedbucket: reconcile the articles bucket with the table',
      schedule: props.schedule ?? Schedule.rate(Duration.days(1)),
      targets: [new LambdaFunction(fn)],
    });
  }
}
