import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { FEEDS_ACTIONS, INGEST_ACTIONS } from '../../../infra/constructs/article-table.js';
import { FEED_QUERY_PARAMETERS } from '../../../infra/constructs/feeds-site.js';
import type { FeedbucketStack } from '../../../infra/feedbucket-stack.js';
import { ARTICLE_SUFFIXES, isArticleKey, notificationSuffixes } from '../../../shared/article/files.js';
import { readFeedsConfig, readIngestConfig } from '../../../shared/config.js';
import { TABLE_SCHEMA, tableDefinition } from '../../../shared/store/dynamodb.js';
import {
  type Built,
  buildStack,
  cleanOutdirs,
  onlyResource,
  props,
  resourcesOf,
  roleStatements,
  viewerRequestOf,
} from '../../support/infra.js';

type Json = Record<string, unknown>;

const CUSTOM = {
  domainName: 'feeds.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab',
  alarmEmail: 'ops@example.com',
  removalPolicy: 'destroy',
  siteTitle: 'Example feeds',
  feedMaxAge: '600',
  logRetentionDays: '90',
  feedMaxMergedTopics: '4',
  feedMergedMaxLimit: '30',
  feedTopWindowDays: '3',
};

const byDefault = buildStack();
const custom = buildStack(CUSTOM);
afterAll(cleanOutdirs);

const idOf = (stack: FeedbucketStack, element: unknown) => stack.getLogicalId(element as CfnElement);
const fnId = (built: Built, which: 'ingest' | 'feeds') =>
  idOf(built.stack, built.stack[which].function.fn.node.defaultChild);
const fnProps = (built: Built, which: 'ingest' | 'feeds') =>
  props(resourcesOf(built.template, 'AWS::Lambda::Function')[fnId(built, which)] as Json);

const statementsOf = (built: Built, which: 'ingest' | 'feeds'): Json[] =>
  roleStatements(built, built.stack[which].function.fn);
const asList = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);
const actionsOf = (statements: Json[]) => statements.flatMap((s) => asList(s.Action) as string[]);

/** Resolves the template tokens of an environment map into plain strings, as Lambda would see them. */
const resolveEnv = (env: Json): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`]));

describe('articles bucket', () => {
  it('is private, encrypted, versioned and refuses plain HTTP', () => {
    const [, bucket] = onlyResource(byDefault.template, 'AWS::S3::Bucket');
    expect(props(bucket)).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    byDefault.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('sends created and removed events of article files, and only those, to the queue', () => {
    const [, notifications] = onlyResource(byDefault.template, 'Custom::S3BucketNotifications');
    const [queueId] = Object.entries(resourcesOf(byDefault.template, 'AWS::SQS::Queue')).find(
      ([id]) => id === idOf(byDefault.stack, byDefault.stack.articles.queue.node.defaultChild),
    ) as [string, Json];
    const configs = (props(notifications).NotificationConfiguration as Json).QueueConfigurations as Json[];
    const seen = configs.map((c) => {
      expect(c.QueueArn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
      const rules = ((c.Filter as Json).Key as Json).FilterRules as Json[];
      expect(rules).toHaveLength(1);
      expect((rules[0] as Json).Name).toBe('suffix');
      return `${c.Events}|${(rules[0] as Json).Value}`;
    });
    const expected = notificationSuffixes().flatMap((s) => [
      `s3:ObjectCreated:*|${s}`,
      `s3:ObjectRemoved:*|${s}`,
    ]);
    expect(seen.sort()).toEqual(expected.sort());
  });

  it('subscribes every article suffix in lower and upper case, and no suffix ingest would ignore', () => {
    const suffixes = notificationSuffixes();
    for (const suffix of ARTICLE_SUFFIXES) {
      for (const name of [`a${suffix}`, `A${suffix.toUpperCase()}`]) {
        expect(suffixes.some((s) => name.endsWith(s))).toBe(true);
      }
    }
    for (const s of suffixes) expect(isArticleKey(`file${s}`)).toBe(true);
    expect(() => notificationSuffixes(['.md', '.draft.md'])).toThrow(/overlap/);
  });

  it('passes events through a queue with a dead-letter queue, redrive and a visibility of 6x the timeout', () => {
    const queues = resourcesOf(byDefault.template, 'AWS::SQS::Queue');
    const queue = props(
      queues[idOf(byDefault.stack, byDefault.stack.articles.queue.node.defaultChild)] as Json,
    );
    const dlqId = idOf(byDefault.stack, byDefault.stack.articles.deadLetterQueue.node.defaultChild);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
    const timeout = fnProps(byDefault, 'ingest').Timeout as number;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    for (const q of Object.values(queues)) expect(props(q).SqsManagedSseEnabled).toBe(true);
    expect(props(queues[dlqId] as Json).MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });
});

describe('table', () => {
  it('is the table the adapter defines (keys, gsi1), on demand, with PITR, TTL and deletion protection', () => {
    const [, table] = onlyResource(byDefault.template, 'AWS::DynamoDB::Table');
    const local = tableDefinition('feedbucket');
    const byName = (defs: { AttributeName?: string }[]) =>
      [...defs].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));
    expect(props(table)).toMatchObject({
      BillingMode: local.BillingMode,
      KeySchema: local.KeySchema,
      GlobalSecondaryIndexes: local.GlobalSecondaryIndexes,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLive, Enabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(byName(props(table).AttributeDefinitions as { AttributeName?: string }[])).toEqual(
      byName(local.AttributeDefinitions ?? []),
    );
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('is deleted with the stack, without deletion protection, when the removal policy says destroy', () => {
    const [, table] = onlyResource(custom.template, 'AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(props(table).DeletionProtectionEnabled).toBe(false);
    const [, bucket] = onlyResource(custom.template, 'AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Delete');
  });
});

describe('functions', () => {
  it.each(['ingest', 'feeds'] as const)('%s runs Node.js 24 on arm64 with its own log group', (which) => {
    const fn = fnProps(byDefault, which);
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const logGroupId = idOf(byDefault.stack, byDefault.stack[which].function.logGroup.node.defaultChild);
    expect((fn.LoggingConfig as Json).LogGroup).toEqual({ Ref: logGroupId });
    const logGroup = props(resourcesOf(byDefault.template, 'AWS::Logs::LogGroup')[logGroupId] as Json);
    expect(logGroup.RetentionInDays).toBe(byDefault.settings.logRetentionDays);
    const custLogGroupId = idOf(custom.stack, custom.stack[which].function.logGroup.node.defaultChild);
    expect(
      props(resourcesOf(custom.template, 'AWS::Logs::LogGroup')[custLogGroupId] as Json).RetentionInDays,
    ).toBe(90);
  });

  it('ingest consumes the queue in batches with partial batch responses and bounded concurrency', () => {
    const [, mapping] = onlyResource(byDefault.template, 'AWS::Lambda::EventSourceMapping');
    expect(props(mapping)).toMatchObject({
      FunctionName: { Ref: fnId(byDefault, 'ingest') },
      EventSourceArn: {
        'Fn::GetAtt': [idOf(byDefault.stack, byDefault.stack.articles.queue.node.defaultChild), 'Arn'],
      },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: byDefault.settings.ingestMaxConcurrency },
    });
  });

  it('environments are what shared/config.ts reads, with the settings given', () => {
    const ingestEnv = fnProps(custom, 'ingest').Environment as { Variables: Json };
    expect(ingestEnv.Variables.TABLE_NAME).toEqual({
      Ref: idOf(custom.stack, custom.stack.store.table.node.defaultChild),
    });
    expect(readIngestConfig(resolveEnv(ingestEnv.Variables))).toEqual({
      tableName: 'resolved-TABLE_NAME',
      maxObjectBytes: custom.settings.maxObjectBytes,
    });
    const feedsEnv = fnProps(custom, 'feeds').Environment as { Variables: Json };
    expect(readFeedsConfig(resolveEnv(feedsEnv.Variables))).toEqual({
      tableName: 'resolved-TABLE_NAME',
      siteTitle: 'Example feeds',
      publicBaseUrl: 'https://feeds.example.com',
      maxAge: 600,
      staleWhileRevalidate: custom.settings.feedStaleWhileRevalidate,
      defaultLimit: custom.settings.feedDefaultLimit,
      maxLimit: custom.settings.feedMaxLimit,
      maxMergedTopics: 4,
      mergedMaxLimit: 30,
      // Not set by the stack: the function's defaults.
      metadataReuseMs: 250,
      staleIfError: 86_400,
      hubs: [],
      topWindowDays: 3,
    });
    // Without a custom domain the base URL is learned per request (X-Forwarded-Host from the edge).
    const defaultFeedsEnv = (fnProps(byDefault, 'feeds').Environment as { Variables: Json }).Variables;
    expect(defaultFeedsEnv.PUBLIC_BASE_URL).toBeUndefined();
  });
});

describe('least privilege', () => {
  it('ingest reads objects of the bucket, reads and writes table items, consumes its queue, writes its logs', () => {
    const { stack } = byDefault;
    const statements = statementsOf(byDefault, 'ingest');
    const bucketId = idOf(stack, stack.articles.bucket.node.defaultChild);
    const tableId = idOf(stack, stack.store.table.node.defaultChild);
    const queueId = idOf(stack, stack.articles.queue.node.defaultChild);
    const logsId = idOf(stack, stack.ingest.function.logGroup.node.defaultChild);
    const granted = new Map<string, unknown[]>();
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const a of asList(s.Action) as string[])
        granted.set(a, [...(granted.get(a) ?? []), ...asList(s.Resource)]);
    }
    expect([...granted.keys()].sort()).toEqual(
      [
        's3:GetObject',
        's3:ListBucket',
        ...INGEST_ACTIONS,
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ].sort(),
    );
    expect(granted.get('s3:GetObject')).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
    ]);
    expect(granted.get('s3:ListBucket')).toEqual([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]);
    for (const a of INGEST_ACTIONS) expect(granted.get(a)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(granted.get('sqs:ReceiveMessage')).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    expect(granted.get('logs:PutLogEvents')).toEqual([{ 'Fn::GetAtt': [logsId, 'Arn'] }]);
  });

  it('feeds only read table items and the gsi1 index, and write their logs', () => {
    const { stack } = byDefault;
    const statements = statementsOf(byDefault, 'feeds');
    const tableId = idOf(stack, stack.store.table.node.defaultChild);
    const actions = actionsOf(statements);
    expect(actions.sort()).toEqual([...FEEDS_ACTIONS, 'logs:CreateLogStream', 'logs:PutLogEvents'].sort());
    const dynamo = statements.find((s) => asList(s.Action).includes('dynamodb:Query')) as Json;
    expect(dynamo.Resource).toEqual([
      { 'Fn::GetAtt': [tableId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, `/index/${TABLE_SCHEMA.gsi1.indexName}`]] },
    ]);
  });

  it('no role of ours has a wildcard action, a managed policy or a resource of "*"', () => {
    for (const which of ['ingest', 'feeds'] as const) {
      for (const s of statementsOf(byDefault, which)) {
        for (const a of asList(s.Action) as string[]) expect(a).not.toMatch(/\*/);
        expect(asList(s.Resource)).not.toContain('*');
      }
      const roleId = idOf(byDefault.stack, byDefault.stack[which].function.fn.role?.node.defaultChild);
      const role = props(resourcesOf(byDefault.template, 'AWS::IAM::Role')[roleId] as Json);
      expect(role.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('CloudFront', () => {
  it('keys the cache on exactly the feed query parameters, honours origin TTLs, and compresses', () => {
    const [, policy] = onlyResource(byDefault.template, 'AWS::CloudFront::CachePolicy');
    const config = props(policy).CachePolicyConfig as Json;
    expect(config.MinTTL).toBe(0);
    expect(config.DefaultTTL).toBe(0);
    const key = config.ParametersInCacheKeyAndForwardedToOrigin as Json;
    expect(key).toMatchObject({
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'all' },
    });
    // "all" of what the viewer-request function leaves: exactly the feed parameters, whatever the viewer sent.
    const request = viewerRequestOf(byDefault.template)({
      request: {
        headers: { host: { value: 'd111111abcdef8.cloudfront.net' } },
        querystring: {
          ...Object.fromEntries(FEED_QUERY_PARAMETERS.map((name) => [name, { value: '1' }])),
          utm_source: { value: 'newsletter' },
          LIMIT: { value: '5' },
          __proto__x: { value: '' },
        },
      },
    });
    expect(Object.keys(request.querystring).sort()).toEqual([...FEED_QUERY_PARAMETERS].sort());
    expect([...FEED_QUERY_PARAMETERS].sort()).toEqual(
      [
        'cursor',
        'filter',
        'filter_author',
        'filter_case_sensitive',
        'filter_category',
        'filter_description',
        'filter_title',
        'filterout',
        'filterout_author',
        'filterout_category',
        'filterout_description',
        'filterout_title',
        'format',
        'group',
        'limit',
        'minQuality',
      ].sort(),
    );
  });

  it('serves the Function URL through origin access control, HTTPS only, GET and HEAD, compressed', () => {
    const [distId, dist] = onlyResource(byDefault.template, 'AWS::CloudFront::Distribution');
    const config = props(dist).DistributionConfig as Json;
    const behavior = config.DefaultCacheBehavior as Json;
    expect(behavior).toMatchObject({
      Compress: true,
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      CachedMethods: ['GET', 'HEAD'],
      CachePolicyId: { Ref: onlyResource(byDefault.template, 'AWS::CloudFront::CachePolicy')[0] },
    });
    const [oacId, oac] = onlyResource(byDefault.template, 'AWS::CloudFront::OriginAccessControl');
    expect((props(oac).OriginAccessControlConfig as Json).OriginAccessControlOriginType).toBe('lambda');
    expect(((config.Origins as Json[])[0] as Json).OriginAccessControlId).toEqual({
      'Fn::GetAtt': [oacId, 'Id'],
    });
    byDefault.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [fnId(byDefault, 'feeds'), 'Arn'] },
    });
    const permissions = Object.values(resourcesOf(byDefault.template, 'AWS::Lambda::Permission')).map(props);
    const fromCloudFront = permissions.filter((p) => p.Principal === 'cloudfront.amazonaws.com');
    expect(fromCloudFront.map((p) => p.Action).sort()).toEqual([
      'lambda:InvokeFunction',
      'lambda:InvokeFunctionUrl',
    ]);
    for (const p of fromCloudFront) expect(JSON.stringify(p.SourceArn)).toContain(distId);
    expect(permissions.some((p) => p.Principal === '*')).toBe(false);
  });

  it('passes the viewer host to the feeds when no base URL is configured, and not otherwise', () => {
    for (const { template } of [byDefault, custom]) {
      const [fnId_] = onlyResource(template, 'AWS::CloudFront::Function');
      const [, dist] = onlyResource(template, 'AWS::CloudFront::Distribution');
      const behavior = (props(dist).DistributionConfig as Json).DefaultCacheBehavior as Json;
      expect(behavior.FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId_, 'FunctionARN'] } },
      ]);
    }
    const viewer = () => ({
      request: { headers: { host: { value: 'feeds.example.com' } }, querystring: {} },
    });
    expect(viewerRequestOf(byDefault.template)(viewer()).headers['x-forwarded-host']).toEqual({
      value: 'feeds.example.com',
    });
    expect(viewerRequestOf(custom.template)(viewer()).headers['x-forwarded-host']).toBeUndefined();
    byDefault.template.hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['x-forwarded-host'] },
        CookiesConfig: { CookieBehavior: 'none' },
      }),
    });
    custom.template.resourceCountIs('AWS::CloudFront::OriginRequestPolicy', 0);
  });

  it('serves a custom domain with its certificate and TLS 1.2 or newer', () => {
    const [, dist] = onlyResource(custom.template, 'AWS::CloudFront::Distribution');
    expect(props(dist).DistributionConfig).toMatchObject({
      Aliases: ['feeds.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: CUSTOM.certificateArn,
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      },
    });
  });
});

describe('operations', () => {
  const alarmsOf = (built: Built) =>
    Object.values(resourcesOf(built.template, 'AWS::CloudWatch::Alarm')).map(props);

  it('alarms on dead letters, queue age, ingest errors and throttles, feeds 5xx and throttles, reconcile errors, to the topic', () => {
    const topicId = idOf(byDefault.stack, byDefault.stack.alarms.topic.node.defaultChild);
    const alarms = alarmsOf(byDefault);
    const metric = (a: Json) => `${a.Namespace}/${a.MetricName}`;
    expect(alarms.map(metric).sort()).toEqual(
      [
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/SQS/ApproximateAgeOfOldestMessage',
        'AWS/Lambda/Errors',
        'AWS/Lambda/Errors',
        'AWS/Lambda/Throttles',
        'AWS/Lambda/Url5xxCount',
        'AWS/Lambda/Throttles',
      ].sort(),
    );
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(a.TreatMissingData).toBe('notBreaching');
    }
    const dlq = alarms.find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible') as Json;
    expect(dlq.Threshold).toBe(0);
    expect(dlq.Dimensions).toEqual([
      {
        Name: 'QueueName',
        Value: {
          'Fn::GetAtt': [
            idOf(byDefault.stack, byDefault.stack.articles.deadLetterQueue.node.defaultChild),
            'QueueName',
          ],
        },
      },
    ]);
    const feeds5xx = alarms.find((a) => a.MetricName === 'Url5xxCount') as Json;
    expect(feeds5xx.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: fnId(byDefault, 'feeds') } }]);
  });

  it('e-mails alarms only when an address is set', () => {
    byDefault.template.resourceCountIs('AWS::SNS::Subscription', 0);
    custom.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('outputs the bucket, the feeds and OPML URLs and the dead-letter queue', () => {
    const outputs = byDefault.template.toJSON().Outputs as Record<string, Json>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['BucketName', 'FeedsUrl', 'OpmlUrl', 'DeadLetterQueueName', 'TableName']),
    );
    expect(JSON.stringify(outputs.OpmlUrl?.Value)).toContain('/feeds.opml');
    const customOutputs = custom.template.toJSON().Outputs as Record<string, Json>;
    expect(customOutputs.FeedsUrl?.Value).toBe('https://feeds.example.com/');
    expect(customOutputs.OpmlUrl?.Value).toBe('https://feeds.example.com/feeds.opml');
  });
});
