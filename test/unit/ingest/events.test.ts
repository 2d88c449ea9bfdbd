import type { S3Event, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeInvocation, decodeKey } from '../../../functions/ingest/events.js';

const s3Record = (eventName: string, key: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'eu-west-1',
  eventTime: '2026-01-01T00:00:00.000Z',
  eventName,
  s3: {
    s3SchemaVersion: '1.0',
    configurationId: 'ingest',
    bucket: { name: 'articles', arn: 'arn:aws:s3:::articles', ownerIdentity: { principalId: 'X' } },
    object: { key, size: 10, eTag: 'abc', sequencer: '0055AED6DCD90281E5', ...extra },
  },
});

const sqs = (...bodies: string[]): SQSEvent =>
  ({
    Records: bodies.map((body, i) => ({ messageId: `m${i}`, eventSource: 'aws:sqs', body })),
  }) as unknown as SQSEvent;

describe('decodeKey', () => {
  it('decodes keys as S3 encodes them in events', () => {
    expect(decodeKey('news/my+file.txt')).toBe('news/my file.txt');
    expect(decodeKey('%C3%89conomie/a%2Bb.md')).toBe('Économie/a+b.md');
    expect(decodeKey('%E5%8C%97%E6%9C%9D%E9%AE%AE.txt')).toBe('北朝鮮.txt');
  });

  it('keeps a key with broken percent-encoding as it came', () => {
    expect(decodeKey('100%+sure.md')).toBe('100% sure.md');
  });
});

describe('decodeInvocation', () => {
  it('reads a direct S3 event', () => {
    const event = {
      Records: [s3Record('ObjectCreated:Put', 'a+b.txt'), s3Record('ObjectRemoved:Delete', 'c.md')],
    };
    expect(decodeInvocation(event as unknown as S3Event)).toEqual([
      {
        events: [
          {
            kind: 'created',
            bucket: 'articles',
            key: 'a b.txt',
            size: 10,
            eTag: 'abc',
            sequencer: '0055AED6DCD90281E5',
            eventTime: '2026-01-01T00:00:00.000Z',
          },
          {
            kind: 'removed',
            bucket: 'articles',
            key: 'c.md',
            sequencer: '0055AED6DCD90281E5',
            eventTime: '2026-01-01T00:00:00.000Z',
          },
        ],
      },
    ]);
  });

  it('reads S3 events wrapped in SQS messages, one delivery per message', () => {
    const deliveries = decodeInvocation(
      sqs(
        JSON.stringify({ Records: [s3Record('ObjectCreated:Copy', 'x.md')] }),
        JSON.stringify({ Event: 's3:TestEvent', Bucket: 'articles' }),
        'not json',
        JSON.stringify({ hello: 'world' }),
      ),
    );
    expect(deliveries.map((d) => [d.messageId, d.events.map((e) => e.key), d.error])).toEqual([
      ['m0', ['x.md'], undefined],
      ['m1', [], undefined],
      ['m2', [], 'the SQS message body is not JSON'],
      ['m3', [], 'the SQS message is not an S3 event notification'],
    ]);
  });
});
