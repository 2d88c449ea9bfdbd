/**
 * Events as AWS sends them, field for field, from AWS's documentation: the S3 event message structure
 * (version 2.1, "Event message structure" in the S3 user guide), the s3:TestEvent S3 sends when a notification
 * configuration is set, and the Lambda event of an SQS event source ("Using Lambda with Amazon SQS"), whose
 * body is the S3 message. Keys are encoded as S3 encodes them in events (URL-encoded, a space as '+').
 */
import { createHash, randomUUID } from 'node:crypto';
import type { S3Event, S3EventRecord, SQSEvent, SQSRecord } from 'aws-lambda';
import { encodeEventKey } from '../../local/s3-notifications.js';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** A key as S3 writes it into an event: form encoding of UTF-8, '+' for a space, '/' kept (as locally). */
export const s3EventKey = encodeEventKey;

export interface S3RecordFields {
  /** ObjectCreated:Put, ObjectCreated:Copy, ObjectRemoved:DeleteMarkerCreated, … */
  eventName: string;
  bucket: string;
  /** The key as it appears in the event (already encoded): see s3EventKey. */
  encodedKey: string;
  /** Created events only: removals carry neither size nor eTag. */
  size?: number;
  eTag?: string;
  versionId?: string;
  sequencer: string;
  eventTime?: string;
}

export function s3Record(f: S3RecordFields): S3EventRecord {
  const created = f.eventName.startsWith('ObjectCreated:');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: f.eventTime ?? new Date().toISOString(),
    eventName: f.eventName,
    userIdentity: { principalId: 'AWS:AIDAJDPLRKLG7UEXAMPLE' },
    requestParameters: { sourceIPAddress: '203.0.113.10' },
    responseElements: {
      'x-amz-request-id': 'C3D13FE58DE4C810',
      'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'ZWYzNGFlNTEtZDE2Ni00Y2QxLWI5NjMtMTlmYzFhNDM0NTBi',
      bucket: {
        name: f.bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${f.bucket}`,
      },
      object: {
        key: f.encodedKey,
        ...(created ? { size: f.size ?? 0, eTag: f.eTag ?? '' } : {}),
        ...(f.versionId ? { versionId: f.versionId } : {}),
        sequencer: f.sequencer,
      },
    },
  } as S3EventRecord;
}

/** What S3 sends once to a destination when a notification configuration is set (no Records). */
export const s3TestEvent = (bucket: string) => ({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: new Date().toISOString(),
  Bucket: bucket,
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
});

/** One SQS message of a Lambda SQS event, carrying this body. */
export function sqsRecord(body: string, receiveCount = 1): SQSRecord {
  const sent = Date.now() - 1000;
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${createHash('sha256').update(body).digest('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(sent),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(sent + 2),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:Feedbucket-ArticlesEventQueue`,
    awsRegion: REGION,
  };
}

/** The Lambda event of an SQS event source: each S3 message in its own SQS message, as S3 sends them. */
export const sqsEvent = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((b) => sqsRecord(typeof b === 'string' ? b : JSON.stringify(b))),
});

/** The S3 message for these records, as S3 puts it into an SQS message body. */
export const s3Message = (...records: S3EventRecord[]): S3Event => ({ Records: records });
