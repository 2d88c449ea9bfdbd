/**
 * What keeps a real deployment from tripping: the scheduled reconcile (what S3 events miss), names that let the
 * stack deploy in a second region, the queue accepting events only from the bucket of this account, and the
 * bounds on what readers can cost (feeds reserved concurrency, the table's maximum read rate).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RECONCILE_ACTIONS } from '../../../infra/constructs/article-table.js';
import { RECONCILE_SETTLE, RECONCILE_TIMEOUT } from '../../../infra/constructs/reconcile.js';
import { readReconcileConfig } from '../../../shared/config.js';
import { TABLE_SCHEMA } from '../../../shared/store/dynamodb.js';
import {
  type Built,
  buildStack,
  cleanOutdirs,
  onlyResource,
  props,
  resourcesOf,
  roleStatements,
} from '../../support/infra.js';

type Json = Record<string, unknown>;

const byDefault = buildStack();
const tuned = buildStack({
  reconcileSchedule: 'cron(30 4 * * ? *)',
  feedsReservedConcurrency: '25',
  tableMaxReadRequestUnits: '500',
});
const unreserved = buildStack({ feedsReservedConcurrency: 'none' });
afterAll(cleanOutdirs);

const idOf = (built: Built, construct: { node: { defaultChild?: unknown } }) =>
  built.stack.getLogicalId(construct.node.defaultChild as never);
const lambdaProps = (built: Built, which: 'reconcile' | 'feeds') =>
  props(
    resourcesOf(built.template, 'AWS::Lambda::Function')[idOf(built, built.stack[which].function.fn)] as Json,
  );
const asList = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);

describe('scheduled reconcile', () => {
  it('runs Node.js 24 on arm64 for up to 15 minutes, with what shared/config.ts reads', () => {
    const fn = lambdaProps(byDefault, 'reconcile');
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900 });
    expect(RECONCILE_TIMEOUT.toSeconds()).toBe(900);
    const env = (fn.Environment as { Variables: Json }).Variables;
    expect(env.BUCKET_NAME).toEqual({ Ref: idOf(byDefault, byDefault.stack.articles.bucket) });
    expect(env.TABLE_NAME).toEqual({ Ref: idOf(byDefault, byDefault.stack.store.table) });
    const resolved = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`]),
    );
    expect(readReconcileConfig(resolved)).toEqual({
      tableName: 'resolved-TABLE_NAME',
      bucket: 'resolved-BUCKET_NAME',
      maxObjectBytes: byDefault.settings.maxObjectBytes,
      settleSeconds: RECONCILE_SETTLE.toSeconds(),
    });
  });

  it('is invoked by an EventBridge rule on the schedule setting (daily by default), and only by it', () => {
    const fnId = idOf(byDefault, byDefault.stack.reconcile.function.fn);
    const [ruleId, rule] = onlyResource(byDefault.template, 'AWS::Events::Rule');
    expect(props(rule)).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } }],
    });
    const [, tunedRule] = onlyResource(tuned.template, 'AWS::Events::Rule');
    expect(props(tunedRule).ScheduleExpression).toBe('cron(30 4 * * ? *)');
    const permissions = Object.values(resourcesOf(byDefault.template, 'AWS::Lambda::Permission'))
      .map(props)
      .filter((p) => JSON.stringify(p.FunctionName).includes(fnId));
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });

  it('lists and reads the bucket, reads and writes the table, queries the index, writes its logs: nothing else', () => {
    const { stack } = byDefault;
    const bucketArn = { 'Fn::GetAtt': [idOf(byDefault, stack.articles.bucket), 'Arn'] };
    const tableArn = { 'Fn::GetAtt': [idOf(byDefault, stack.store.table), 'Arn'] };
    const granted = new Map<string, unknown[]>();
    for (const s of roleStatements(byDefault, stack.reconcile.function.fn)) {
      expect(s.Effect).toBe('Allow');
      expect(s.Condition).toBeUndefined();
      for (const a of asList(s.Action) as string[]) {
        granted.set(a, [...(granted.get(a) ?? []), ...asList(s.Resource)]);
      }
    }
    expect([...granted.keys()].sort()).toEqual(
      [
        's3:GetObject',
        's3:ListBucket',
        ...RECONCILE_ACTIONS,
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    expect(granted.get('s3:GetObject')).toEqual([{ 'Fn::Join': ['', [bucketArn, '/*']] }]);
    expect(granted.get('s3:ListBucket')).toEqual([bucketArn]);
    for (const a of RECONCILE_ACTIONS.filter((a) => a !== 'dynamodb:Query')) {
      expect(granted.get(a), a).toEqual([tableArn]);
    }
    expect(granted.get('dynamodb:Query')).toEqual([
      tableArn,
      { 'Fn::Join': ['', [tableArn, `/index/${TABLE_SCHEMA.gsi1.indexName}`]] },
    ]);
  });

  it('raises an alarm when a run fails', () => {
    const fnId = idOf(byDefault, byDefault.stack.reconcile.function.fn);
    const alarms = Object.values(resourcesOf(byDefault.template, 'AWS::CloudWatch::Alarm'))
      .map(props)
      .filter((a) => JSON.stringify(a.Dimensions).includes(fnId));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0 });
  });

  it('outputs its function name, to run it by hand after the first deploy', () => {
    const outputs = byDefault.template.toJSON().Outputs as Record<string, Json>;
    expect(outputs.ReconcileFunctionName?.Value).toEqual({
      Ref: idOf(byDefault, byDefault.stack.reconcile.function.fn),
    });
  });
});

describe('bounded cost', () => {
  it('reserves concurrency for the feeds function (10 by default, a setting, "none" for no reservation)', () => {
    expect(lambdaProps(byDefault, 'feeds').ReservedConcurrentExecutions).toBe(10);
    expect(lambdaProps(tuned, 'feeds').ReservedConcurrentExecutions).toBe(25);
    expect(lambdaProps(unreserved, 'feeds').ReservedConcurrentExecutions).toBeUndefined();
  });

  it('caps the read rate of the table and of its index (1,000 units a second by default, a setting)', () => {
    for (const [built, max] of [
      [byDefault, 1000],
      [tuned, 500],
    ] as const) {
      const [, table] = onlyResource(built.template, 'AWS::DynamoDB::Table');
      const p = props(table);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.OnDemandThroughput).toEqual({ MaxReadRequestUnits: max });
      expect((p.GlobalSecondaryIndexes as Json[]).map((i) => i.OnDemandThroughput)).toEqual([
        { MaxReadRequestUnits: max },
      ]);
    }
  });
});

describe('a second region', () => {
  const env = (region: string) => ({ account: '123456789012', region });
  const east = buildStack({}, env('us-east-1'));
  const west = buildStack({}, env('eu-west-1'));

  /** The account-wide CloudFront names of a stack, with the limit of each kind. */
  const cloudFrontNames = (built: Built) => {
    const named: [string, string, number][] = [];
    const add = (type: string, limit: number, nameOf: (p: Json) => unknown) => {
      for (const r of Object.values(resourcesOf(built.template, type))) {
        named.push([type, nameOf(props(r)) as string, limit]);
      }
    };
    add('AWS::CloudFront::CachePolicy', 128, (p) => (p.CachePolicyConfig as Json).Name);
    add('AWS::CloudFront::OriginRequestPolicy', 128, (p) => (p.OriginRequestPolicyConfig as Json).Name);
    add('AWS::CloudFront::ResponseHeadersPolicy', 128, (p) => (p.ResponseHeadersPolicyConfig as Json).Name);
    add('AWS::CloudFront::OriginAccessControl', 64, (p) => (p.OriginAccessControlConfig as Json).Name);
    add('AWS::CloudFront::Function', 64, (p) => p.Name);
    return named;
  };

  it('gives every CloudFront policy, origin access control and function a name of its region', () => {
    const eastNames = cloudFrontNames(east);
    const westNames = cloudFrontNames(west);
    expect(eastNames.map(([type]) => type).sort()).toEqual([
      'AWS::CloudFront::CachePolicy',
      'AWS::CloudFront::Function',
      'AWS::CloudFront::OriginAccessControl',
      'AWS::CloudFront::OriginRequestPolicy',
      'AWS::CloudFront::ResponseHeadersPolicy',
    ]);
    for (const [type, name, limit] of [...eastNames, ...westNames]) {
      expect(typeof name, type).toBe('string');
      expect(name.length, `${type} ${name}`).toBeLessThanOrEqual(limit);
    }
    const taken = new Set(eastNames.map(([, name]) => name));
    for (const [type, name] of westNames) expect(taken.has(name), `${type} ${name}`).toBe(false);
    for (const [type, name] of westNames) expect(name, type).toContain('eu-west-1');
  });
});

describe('event queue policy', () => {
  it('lets S3 send only for this bucket of this account (aws:SourceArn and aws:SourceAccount)', () => {
    const { stack, template } = byDefault;
    const queueId = idOf(byDefault, stack.articles.queue);
    const policy = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy'))
      .map(props)
      .find((p) => JSON.stringify(p.Queues).includes(queueId)) as Json;
    const fromS3 = ((policy.PolicyDocument as Json).Statement as Json[]).filter(
      (s) => (s.Principal as Json | undefined)?.Service === 's3.amazonaws.com',
    );
    expect(fromS3).toHaveLength(1);
    expect(fromS3[0]).toMatchObject({
      Effect: 'Allow',
      Action: expect.arrayContaining(['sqs:SendMessage']),
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [idOf(byDefault, stack.articles.bucket), 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
    });
  });
});
