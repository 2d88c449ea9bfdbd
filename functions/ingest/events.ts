/**
 * Decoding what invokes the ingest function: S3 event notifications, delivered directly or wrapped in SQS
 * messages (the production wiring is S3 -> SQS -> Lambda). Keys arrive URL-encoded as S3 encodes them in
 * events: '+' for a space, percent-encoded UTF-8.
 */
import type { S3Event, S3EventRecord, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ObjectEvent } from '../../shared/ingest/ingester.js';

/** One unit of work: the object events of one SQS message (or of a direct S3 event). */
export interface Delivery {
  /** The SQS message id, for partial batch responses; undefined for a direct S3 event. */
  messageId?: string;
  events: ObjectEvent[];
  /** Set when the message could not be read as an S3 event. */
  error?: string;
}

export function decodeKey(raw: string): string {
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Not valid percent-encoding: S3 never sends that, so take the key as it came.
    return spaced;
  }
}

function toObjectEvent(record: S3EventRecord): ObjectEvent | undefined {
  const { s3, eventName, eventTime } = record;
  if (!s3?.object?.key || !s3.bucket?.name) return undefined;
  const base = {
    bucket: s3.bucket.name,
    key: decodeKey(s3.object.key),
    sequencer: s3.object.sequencer || undefined,
    eventTime,
  };
  if (eventName.startsWith('ObjectRemoved:')) return { kind: 'removed', ...base };
  if (eventName.startsWith('ObjectCreated:')) {
    return { kind: 'created', ...base, size: s3.object.size, eTag: s3.object.eTag };
  }
  return undefined;
}

const fromRecords = (records: S3EventRecord[] | undefined): ObjectEvent[] =>
  (records ?? []).flatMap((r) => toObjectEvent(r) ?? []);

/** Whether the invocation is an SQS batch (the production wiring), not a direct S3 event. */
export const isSqsEvent = (event: SQSEvent | S3Event): event is SQSEvent =>
  (event.Records?.[0] as { eventSource?: string } | undefined)?.eventSource === 'aws:sqs';

/** The object events of one SQS message, or why it cannot be read as an S3 event notification. */
export function decodeMessage(message: Pick<SQSRecord, 'messageId' | 'body'>): Delivery {
  let body: { Records?: S3EventRecord[]; Event?: string };
  try {
    body = JSON.parse(message.body);
  } catch {
    return { messageId: message.messageId, events: [], error: 'the SQS message body is not JSON' };
  }
  // S3 sends one s3:TestEvent when the notification is configured: nothing to do.
  if (body.Event === 's3:TestEvent') return { messageId: message.messageId, events: [] };
  if (!Array.isArray(body.Records)) {
    return {
      messageId: message.messageId,
      events: [],
      error: 'the SQS message is not an S3 event notification',
    };
  }
  return { messageId: message.messageId, events: fromRecords(body.Records) };
}

/** Every unit of work of an invocation: one per SQS message, or the one direct S3 event. */
export function decodeInvocation(event: SQSEvent | S3Event): Delivery[] {
  if (!isSqsEvent(event)) return [{ events: fromRecords((event as S3Event).Records) }];
  return event.Records.map(decodeMessage);
}
