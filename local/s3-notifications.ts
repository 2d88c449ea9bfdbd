/**
 * Turns what s3rver does into the S3 event notifications real S3 sends, so the ingest handler sees the same
 * records locally as in AWS:
 * - keys URL-encoded as S3 encodes them in notifications (form encoding: a space is `+`, `/` stays);
 * - sequencers strictly increasing per key under S3's rule, also across restarts, and of varying lengths as
 *   S3's are (s3rver uses Date.now(), which repeats within a millisecond);
 * - one `ObjectRemoved:Delete` per key of a batch DeleteObjects (s3rver emits nothing for those);
 * - the eTag of a copy (s3rver leaves it out);
 * - only article keys, as the bucket's notification filter does in AWS (s3rver has no suffix filtering).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { S3EventRecord } from 'aws-lambda';
import type S3rver from 's3rver';
import { LOCAL_REGION } from './function-env.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();

/** Encodes a key as S3 does in notifications: `application/x-www-form-urlencoded`, slashes kept. */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((part) =>
      encodeURIComponent(part)
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}

/** Hex digits of a sequencer's clock part (as in the sequencer of S3's documented example). */
const CLOCK_DIGITS = 18;
/** The clock part starts at the wall clock in nanoseconds-ish units, so a restart continues above the last run. */
const PER_MS = 1_000_000n;
/** Most digits added after the clock part. */
const MAX_EXTRA_DIGITS = 4;

/**
 * Sequencers that increase under S3's rule (the shorter right-padded with zeros, then compared as strings) and,
 * as S3's, differ in length, so every local run exercises that rule: a clock part (the wall clock scaled up, or
 * the last one plus one, whichever is larger) of 18 hex digits, then 0 to 4 random digits, trailing zeros
 * dropped. The extra digits only order sequencers with the same clock part, which never happens twice, so each
 * sequencer is above the last whatever its length. `floor` is the last sequencer a previous run handed out (kept
 * on disk, in this form or the fixed 18 digits earlier versions used), which guards against a clock that went
 * back between runs.
 */
export class Sequencer {
  private clock: bigint;
  private last: string;

  constructor(floor?: string) {
    const valid = floor !== undefined && /^[0-9A-Fa-f]+$/.test(floor);
    this.last = valid ? floor.toUpperCase() : '';
    this.clock = valid ? BigInt(`0x${this.last.padEnd(CLOCK_DIGITS, '0').slice(0, CLOCK_DIGITS)}`) : 0n;
  }

  next(now = Date.now()): string {
    const clock = BigInt(now) * PER_MS;
    this.clock = clock > this.clock ? clock : this.clock + 1n;
    const digits = this.clock.toString(16).toUpperCase().padStart(CLOCK_DIGITS, '0');
    this.last = (digits + hex(MAX_EXTRA_DIGITS / 2).slice(0, randomInt(MAX_EXTRA_DIGITS + 1))).replace(
      /0+$/,
      '',
    );
    return this.last;
  }

  /** The last sequencer handed out ('' before the first). */
  current(): string {
    return this.last;
  }
}

type EventName = 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectRemoved:Delete';

export interface ObjectChange {
  eventName: EventName;
  bucket: string;
  /** The key as stored (not encoded). */
  key: string;
  size?: number;
  eTag?: string;
}

/** One notification record, shaped like those S3 sends to SQS. */
export function notificationRecord(change: ObjectChange, sequencer: string, now = new Date()): S3EventRecord {
  const object: Record<string, unknown> = { key: encodeEventKey(change.key), sequencer };
  if (change.eventName !== 'ObjectRemoved:Delete') {
    object.size = change.size ?? 0;
    if (change.eTag !== undefined) object.eTag = change.eTag;
  }
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: LOCAL_REGION,
    eventTime: now.toISOString(),
    eventName: change.eventName,
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': hex(16) },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'feedbucket-articles',
      bucket: {
        name: change.bucket,
        ownerIdentity: { principalId: 'LOCAL' },
        arn: `arn:aws:s3:::${change.bucket}`,
      },
      object: object as unknown as S3EventRecord['s3']['object'],
    },
  };
}

/** What s3rver passes to its `event` listeners (only the parts read here). */
interface S3rverEvent {
  Records: {
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string } };
  }[];
}

interface S3rverStore {
  deleteObject(bucket: string, key: string): Promise<unknown>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  copyObject(...args: unknown[]): Promise<{ etag?: string } & Record<string, unknown>>;
}

/**
 * Listens to s3rver and calls `emit` with every object change, in the order s3rver completed them.
 * Deletes are taken from s3rver's store (which both DeleteObject and DeleteObjects go through), so a batch
 * delete yields one change per key, like S3. Returns a function that stops listening.
 */
export function watchObjectChanges(server: S3rver, emit: (change: ObjectChange) => void): () => void {
  const store = (server as unknown as { store: S3rverStore }).store;
  const originalDelete = store.deleteObject;
  const originalCopy = store.copyObject;
  /** eTags of copies just made, by `bucket/key`, read when s3rver's copy event follows. */
  const copied = new Map<string, string>();

  store.deleteObject = async function (this: S3rverStore, bucket: string, key: string) {
    try {
      return await originalDelete.call(this, bucket, key);
    } finally {
      // Even if the delete failed part-way (after the object itself was removed), S3 would have notified.
      if (!(await this.existsObject(bucket, key).catch(() => true))) {
        emit({ eventName: 'ObjectRemoved:Delete', bucket, key });
      }
    }
  };
  store.copyObject = async function (this: S3rverStore, ...args: unknown[]) {
    const result = await originalCopy.apply(this, args);
    // copyObject(srcBucket, srcKey, destBucket, destKey, ...)
    if (typeof result.etag === 'string') copied.set(`${args[2]}/${args[3]}`, JSON.parse(result.etag));
    return result;
  };

  const onEvent = (event: S3rverEvent) => {
    for (const r of event.Records) {
      if (!r.eventName.startsWith('ObjectCreated:')) continue; // deletes come from the store hook above
      const bucket = r.s3.bucket.name;
      const { key, size } = r.s3.object;
      let eTag = r.s3.object.eTag;
      if (r.eventName === 'ObjectCreated:Copy') {
        eTag = copied.get(`${bucket}/${key}`);
        copied.delete(`${bucket}/${key}`);
      }
      emit({ eventName: r.eventName as EventName, bucket, key, size, eTag });
    }
  };
  server.on('event', onEvent);
  return () => {
    server.off('event', onEvent);
    store.deleteObject = originalDelete;
    store.copyObject = originalCopy;
  };
}
