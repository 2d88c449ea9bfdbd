/** The WebSub publisher in the stack: only with hubs; its queue, event source, grants, alarms and settings. */
import type { CfnElement } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PUBLISH_BATCH_SIZE,
  PUBLISH_MAX_CONCURRENCY,
  PUBLISH_TIMEOUT,
} from '../../../infra/constructs/websub-publisher.js';
import { resolveSettings, SettingsError } from '../../../infra/settings.js';
import { readFeedsConfig, readPublishConfig } from '../../../shared/config.js';
import { buildStack, cleanOutdirs, props, resourcesOf, roleStatements } from '../../support/infra.js';

type Json = Record<string, unknown>;
const HUBS = ['https://hub.example.net/', 'https://hub2.example.net/websub'];

const none = buildStack();
const withHubs = buildStack({ websubHubs: HUBS.join(',') });
afterAll(cleanOutdirs);

const { stack, template } = withHubs;
const publisher = stack.publisher;
const id = (element: unknown) => stack.getLogicalId(element as CfnElement);
const fnProps = (fn: unknown) => props(resourcesOf(template, 'AWS::Lambda::Function')[id(fn)] as Json);
const envOf = (fn: unknown) => (fnProps(fn).Environment as { Variables: Json }).Variables;
const resolved = (env: Json) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : `https://resolved-${k}`]),
  );
const asList = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);
const grants = (fn: IFunction) => {
  const out = new Map<string, unknown[]>();
  for (const s of roleStatements(withHubs, fn)) {
    for (const a of asList(s.Action) as string[]) out.set(a, [...(out.get(a) ?? []), ...asList(s.Resource)]);
  }
  return out;
};

describe('WebSub in the stack', () => {
  it('adds nothing without hubs: no publisher, no queue URL for ingest, no hubs in the feeds', () => {
    expect(none.stack.publisher).toBeUndefined();
    const fns = Object.values(resourcesOf(none.template, 'AWS::Lambda::Function')).map(
      (f) => ((props(f).Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json,
    );
    for (const env of fns) {
      expect(env.PUBLISH_QUEUE_URL).toBeUndefined();
      expect(env.WEBSUB_HUBS).toBeUndefined();
    }
  });

  it('gives the feeds and the publisher the hubs, in the form shared/config.ts reads', () => {
    expect(readFeedsConfig(resolved(envOf(stack.feeds.function.fn.node.defaultChild))).hubs).toEqual(HUBS);
    const env = envOf(publisher?.function.fn.node.defaultChild);
    expect(env.DISTRIBUTION_ID).toEqual({ Ref: id(stack.feeds.distribution.node.defaultChild) });
    const config = readPublishConfig(resolved(env));
    expect(config.hubs).toEqual(HUBS);
    expect(config.distributionId).toBeDefined();
    expect(envOf(stack.ingest.function.fn.node.defaultChild).PUBLISH_QUEUE_URL).toEqual({
      Ref: id(publisher?.queue.node.defaultChild),
    });
  });

  it('feeds the publisher from its own queue in batches, with little concurrency and a dead-letter queue', () => {
    const mapping = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'))
      .map(props)
      .find((m) => (m.FunctionName as Json).Ref === id(publisher?.function.fn.node.defaultChild));
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [id(publisher?.queue.node.defaultChild), 'Arn'] },
      BatchSize: PUBLISH_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: PUBLISH_MAX_CONCURRENCY },
    });
    const queue = props(
      resourcesOf(template, 'AWS::SQS::Queue')[id(publisher?.queue.node.defaultChild)] as Json,
    );
    expect(queue.VisibilityTimeout).toBe(PUBLISH_TIMEOUT.toSeconds() * 6);
    expect(queue.RedrivePolicy).toMatchObject({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(publisher?.deadLetterQueue.node.defaultChild), 'Arn'] },
      maxReceiveCount: 3,
    });
  });

  it('grants the publisher only invalidations of this distribution, and ingest only sending to its queue', () => {
    const pub = grants(publisher?.function.fn as IFunction);
    const distributionArn = pub.get('cloudfront:CreateInvalidation');
    expect(distributionArn).toEqual(pub.get('cloudfront:GetInvalidation'));
    expect(JSON.stringify(distributionArn)).toContain(id(stack.feeds.distribution.node.defaultChild));
    expect([...pub.keys()].filter((a) => !a.startsWith('sqs:') && !a.startsWith('logs:')).sort()).toEqual([
      'cloudfront:CreateInvalidation',
      'cloudfront:GetInvalidation',
    ]);
    for (const resources of pub.values()) expect(resources).not.toContain('*');
    const ingest = grants(stack.ingest.function.fn);
    expect(ingest.get('sqs:SendMessage')).toEqual([
      { 'Fn::GetAtt': [id(publisher?.queue.node.defaultChild), 'Arn'] },
    ]);
    expect([...ingest.keys()].filter((a) => a.startsWith('cloudfront:'))).toEqual([]);
  });

  it('alarms on publisher errors, its dead letters and dropped pings', () => {
    const names = stack.alarms.alarms.map((a) => a.node.id);
    expect(names).toEqual(expect.arrayContaining(['PublishErrors', 'PublishDeadLetters', 'PingsDropped']));
    expect(none.stack.alarms.alarms.map((a) => a.node.id)).not.toContain('PingsDropped');
  });

  it('checks websubHubs like the other settings, naming the value', () => {
    expect(resolveSettings({ websubHubs: HUBS }, {}).websubHubs).toEqual(HUBS);
    expect(resolveSettings({}, {}).websubHubs).toEqual([]);
    for (const bad of ['hub.example.net', ['ftp://hub.example.net/'], 42]) {
      expect(() => resolveSettings({ websubHubs: bad }, {})).toThrow(SettingsError);
      expect(() => resolveSettings({ websubHubs: bad }, {})).toThrow(/websubHubs must (hold|be a list)/);
    }
  });
});
