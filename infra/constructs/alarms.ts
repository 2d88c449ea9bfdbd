/**
 * What tells an operator that something went wrong: alarms to one SNS topic, optionally e-mailed.
 * - a message in the dead-letter queue (an article file that could not be ingested after every retry);
 * - the oldest message of the ingest queue waiting too long (ingest stuck or far behind);
 * - ingest errors (invocations that failed as a whole) and throttles;
 * - feeds answering 5xx at the Function URL (regional metrics, unlike CloudFront's, which live in us-east-1);
 * - errors of any further function handed to watchErrors (the scheduled reconcile);
 * - with WebSub hubs: the publisher failing (errors, dead letters) and hubs refusing pings (PingsDropped).
 * Missing data is "OK": no traffic is not a failure.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** The articles' dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /** The queue of the bucket's events. */
  readonly queue: IQueue;
  /** The ingest function: its errors and throttles. */
  readonly ingestFunction: IFunction;
  /** The feeds function: its 5xx answers at the Function URL and its throttles. */
  readonly feedsFunction: IFunction;
  /**
   * The WebSub publisher's function: its errors, and hubs refusing its pings (PingsDropped).
   *
   * @default - no publisher alarms
   */
  readonly publishFunction?: IFunction;
  /**
   * The WebSub publisher's dead-letter queue.
   *
   * @default - no alarm on publisher dead letters
   */
  readonly publishDeadLetterQueue?: IQueue;
  /**
   * Alarm when the oldest queued event is older than this.
   *
   * @default Duration.minutes(30)
   */
  readonly maxQueueAge?: Duration;
  /**
   * Where alarms are e-mailed (a confirmation e-mail is sent first).
   *
   * @default - alarms only go to the SNS topic
   */
  readonly email?: string;
}

export class Alarms extends Construct {
  readonly topic: ITopic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const maxQueueAge = props.maxQueueAge ?? Duration.minutes(30);
    this.topic = new Topic(this, 'Topic', { displayName: 'feedbucket alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    const period = Duration.minutes(5);
    this.add(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: Stats.MAXIMUM,
      }),
      0,
      'Article events failed every retry and wait in the dead-letter queue: read the ingest logs for their keys, fix, then redrive the queue or run npm run reindex.',
    );
    this.add(
      'QueueAge',
      props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: Stats.MAXIMUM }),
      maxQueueAge.toSeconds(),
      'The oldest article event has waited too long: ingest is failing, throttled or far behind.',
    );
    this.add(
      'IngestErrors',
      props.ingestFunction.metricErrors({ period, statistic: Stats.SUM }),
      0,
      'Ingest invocations failed as a whole (crash or timeout): read the ingest logs.',
    );
    this.add(
      'IngestThrottles',
      props.ingestFunction.metricThrottles({ period, statistic: Stats.SUM }),
      0,
      'Ingest was throttled: the account concurrency limit is reached.',
    );
    this.add(
      'Feeds5xx',
      new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Url5xxCount',
        dimensionsMap: { FunctionName: props.feedsFunction.functionName },
        period,
        statistic: Stats.SUM,
      }),
      0,
      'The feeds function answered 5xx (an error or a timeout): read the feeds logs.',
    );
    this.add(
      'FeedsThrottles',
      props.feedsFunction.metricThrottles({ period, statistic: Stats.SUM }),
      0,
      'The feeds function was throttled: its reserved concurrency (feedsReservedConcurrency) or the account limit is reached.',
    );
    this.addPublisher(props, period);
  }

  /** With the WebSub publisher: its failures, its dead letters and hubs refusing pings. */
  private addPublisher(props: AlarmsProps, period: Duration): void {
    if (props.publishFunction) {
      this.add(
        'PublishErrors',
        props.publishFunction.metricErrors({ period, statistic: Stats.SUM }),
        0,
        'The WebSub publisher failed (a CloudFront invalidation failed or did not complete): read the publish logs; the queue retries it.',
      );
    }
    if (props.publishDeadLetterQueue) {
      this.add(
        'PublishDeadLetters',
        props.publishDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: Stats.MAXIMUM,
        }),
        0,
        'Changed feeds were never announced to the WebSub hubs after every retry: read the publish logs; subscribers see the changes at their next poll.',
      );
    }
    if (props.publishFunction) {
      this.add(
        'PingsDropped',
        new Metric({
          namespace: 'feedbucket',
          metricName: 'PingsDropped',
          dimensionsMap: { service: 'publish' },
          period,
          statistic: Stats.SUM,
        }),
        0,
        'A WebSub hub refused, timed out or was down for pings: the publish log names the hub and the feeds.',
      );
    }
  }

  /** An alarm when the function's invocations fail (an error thrown, a crash or a timeout). */
  watchErrors(id: string, fn: IFunction, description: string): void {
    this.add(id, fn.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM }), 0, description);
  }

  private add(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }
}
