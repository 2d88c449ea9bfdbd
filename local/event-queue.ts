/**
 * The local stand-in for an SQS queue and its Lambda event source, serving both of the stack's queues: the
 * one between the bucket and the ingest function (S3 notification records go in, one per message, as S3 sends
 * them) and the publish queue between ingest and the WebSub publisher (change messages go in). Batches of SQS
 * messages go to the handler with bounded concurrency, after an optional batching window (the event source's
 * MaximumBatchingWindow: the first message waits that long for others unless a batch is full).
 * Messages the handler reports in `batchItemFailures` (or a whole batch that throws or times out) come back
 * after a growing delay, as SQS redelivers them after the visibility timeout, each with its receive count
 * (ApproximateReceiveCount). As the redrive policy does, a message whose receive count reaches
 * `maxReceiveCount` (the CDK's value) and fails again leaves the queue as a dead letter (`onDeadLetter`);
 * `redrive` puts dead letters back as new messages. Nothing else is dropped while the process lives; what is
 * still queued when the process ends is found again by the start-up reconciliation.
 *
 * The waits are shorter than AWS's 180 s visibility timeout (5 s, doubling: about a minute from the first
 * receive to the dead-letter list instead of twelve), long enough that a short outage of the table does not
 * dead-letter anything, as in AWS.
 */

import { createHash, randomUUID } from 'node:crypto';
import type { S3EventRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeKey } from '../functions/ingest/events.js';
import { MAX_RECEIVE_COUNT } from '../shared/limits.js';
import { LOCAL_REGION } from './function-env.js';

/** `signal` aborts when the queue is stopped with `abort` (the handler may end early; ingest never does). */
export type BatchHandler = (
  event: SQSEvent,
  signal: AbortSignal,
) => Promise<SQSBatchResponse | undefined> | Promise<void>;

/** How a queue's payloads become message bodies, and how a person names one (the dead-letter list's key). */
export interface MessageCodec<T> {
  body(payload: T): string;
  key(payload: T): string;
}

export interface EventQueueOptions<T = S3EventRecord> {
  handler: BatchHandler;
  /** How payloads are sent; S3 notification records (one per message, as S3 sends them) by default. */
  codec?: MessageCodec<T>;
  /** Batches in flight at once (Lambda's concurrency). */
  concurrency?: number;
  /** Messages per batch (the event source mapping's batch size). */
  batchSize?: number;
  /** How long the first message of a batch waits for others (the batching window; ms, 0 by default). */
  windowMs?: number;
  /** First redelivery delay; doubles per attempt up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Receives after which a message that fails again becomes a dead letter (the redrive policy's). */
  maxReceiveCount?: number;
  queueName?: string;
  /** Who sent the messages, as SQS names the sender (SenderId). */
  senderId?: string;
  /** After each message is done (handled without failure). */
  onDone?: (record: T) => void;
  /** After a failed attempt, with the attempt number and the error when the whole batch threw. */
  onRetry?: (record: T, attempt: number, error?: unknown) => void;
  /** When a message failed its last allowed receive and left the queue. */
  onDeadLetter?: (letter: DeadLetter<T>) => void;
}

/** A message that failed every receive the redrive policy allows, as kept in the dead-letter list. */
export interface DeadLetter<T = S3EventRecord> {
  messageId: string;
  /** What the message was about: for the ingest queue, the bucket key, decoded. */
  key: string;
  record: T;
  receiveCount: number;
  /** Why its last receive failed, as far as the queue knows. */
  lastError: string;
  /** ISO times: first sent, and moved to the dead-letter list. */
  sentAt: string;
  deadAt: string;
}

interface Message<T> {
  id: string;
  record: T;
  attempts: number;
  sentAt: number;
  /** When it became visible (sent, or back after a failed receive): the batching window counts from here. */
  readyAt: number;
}

/** A notification's object key as a person reads it (S3 sends it URL-encoded, '+' for a space). */
export const recordKey = (record: S3EventRecord): string => decodeKey(record.s3.object.key);

/** S3 notification records, one per message, as S3 sends them to SQS. */
const S3_RECORDS: MessageCodec<S3EventRecord> = {
  body: (record) => JSON.stringify({ Records: [record] }),
  key: recordKey,
};

const describeFailure = (error: unknown): string =>
  error === undefined
    ? 'the handler reported it as a batch item failure (its log says why)'
    : error instanceof Error
      ? error.message
      : String(error);

export interface QueueStats {
  /** Messages waiting or in flight (including those waiting to be redelivered). */
  pending: number;
  inFlight: number;
  /** Messages handled since the queue was created. */
  done: number;
  /** Failed attempts since the queue was created. */
  retries: number;
  /** Messages moved to the dead-letter list since the queue was created. */
  deadLettered: number;
}

export class EventQueue<T = S3EventRecord> {
  private readonly ready: Message<T>[] = [];
  private readonly delayed = new Set<NodeJS.Timeout>();
  private delayedCount = 0;
  /** Set while the first ready message waits out the batching window. */
  private window: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private running = 0;
  private done = 0;
  private retries = 0;
  private deadLettered = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private readonly codec: MessageCodec<T>;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxReceiveCount: number;
  private readonly arn: string;

  constructor(private readonly options: EventQueueOptions<T>) {
    // Without a codec the payloads are S3 notification records (the ingest queue's).
    this.codec = options.codec ?? (S3_RECORDS as unknown as MessageCodec<T>);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.batchSize = Math.max(1, options.batchSize ?? 10);
    this.windowMs = Math.max(0, options.windowMs ?? 0);
    this.retryMs = options.retryMs ?? 5000;
    this.maxRetryMs = options.maxRetryMs ?? 60_000;
    this.maxReceiveCount = options.maxReceiveCount ?? MAX_RECEIVE_COUNT;
    this.arn = `arn:aws:sqs:${LOCAL_REGION}:000000000000:${options.queueName ?? 'feedbucket-ingest'}`;
  }

  /** Sends one message. Ignored after stop() (for the ingest queue, the start-up reconciliation covers it). */
  push(record: T): void {
    if (this.stopped) return;
    const now = Date.now();
    this.ready.push({ id: randomUUID(), record, attempts: 0, sentAt: now, readyAt: now });
    this.pump();
  }

  /** Puts dead letters back on the queue as new messages (receive count 0), as an SQS redrive does. */
  redrive(letters: readonly DeadLetter<T>[]): void {
    for (const letter of letters) this.push(letter.record);
  }

  stats(): QueueStats {
    return {
      pending: this.ready.length + this.delayedCount + this.inFlight,
      inFlight: this.inFlight,
      done: this.done,
      retries: this.retries,
      deadLettered: this.deadLettered,
    };
  }

  /** Resolves when nothing is queued, delayed or in flight. */
  idle(): Promise<void> {
    if (this.stats().pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking messages and redeliveries; waits for the batches in flight, and for the queue to drain if it
   * does within `drainMs`. Returns how many messages were left undelivered. `abort` aborts the handlers'
   * signal first (the publisher's pings are abandoned); without it a handler is never cut short.
   */
  async stop(drainMs = 0, options: { abort?: boolean } = {}): Promise<number> {
    if (drainMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
    }
    this.stopped = true;
    if (options.abort) this.abort.abort();
    clearTimeout(this.window);
    this.window = undefined;
    for (const t of this.delayed) clearTimeout(t);
    this.delayed.clear();
    const left = this.ready.length + this.delayedCount;
    this.ready.length = 0;
    this.delayedCount = 0;
    while (this.running > 0) await new Promise((r) => setTimeout(r, 10));
    this.notifyIdle();
    return left;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.ready.length > 0) {
      if (this.ready.length < this.batchSize && this.windowMs > 0) {
        // Not a full batch: the poller waits out the window of the oldest message before it delivers.
        const wait = (this.ready[0] as Message<T>).readyAt + this.windowMs - Date.now();
        if (wait > 0) {
          this.window ??= setTimeout(() => {
            this.window = undefined;
            this.pump();
          }, wait);
          return;
        }
      }
      const batch = this.ready.splice(0, this.batchSize);
      this.running++;
      this.inFlight += batch.length;
      void this.deliver(batch).finally(() => {
        this.running--;
        this.inFlight -= batch.length;
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private notifyIdle(): void {
    if (this.stats().pending > 0 && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async deliver(batch: Message<T>[]): Promise<void> {
    for (const m of batch) m.attempts++;
    let failed: Set<string>;
    let error: unknown;
    try {
      const response = await this.options.handler(
        { Records: batch.map((m) => this.toSqs(m)) },
        this.abort.signal,
      );
      const failures = response ? response.batchItemFailures : [];
      failed = new Set(failures.map((f) => f.itemIdentifier));
    } catch (e) {
      error = e;
      failed = new Set(batch.map((m) => m.id));
    }
    // Failures of a batch cut short by the stack stopping are not the messages' own.
    if (this.abort.signal.aborted) return;
    for (const m of batch) {
      if (failed.has(m.id) && m.attempts >= this.maxReceiveCount) {
        this.deadLettered++;
        this.options.onDeadLetter?.({
          messageId: m.id,
          key: this.codec.key(m.record),
          record: m.record,
          receiveCount: m.attempts,
          lastError: describeFailure(error),
          sentAt: new Date(m.sentAt).toISOString(),
          deadAt: new Date().toISOString(),
        });
      } else if (failed.has(m.id)) {
        this.retries++;
        this.options.onRetry?.(m.record, m.attempts, error);
        this.redeliverLater(m);
      } else {
        this.done++;
        this.options.onDone?.(m.record);
      }
    }
  }

  /** Back after the visibility timeout: growing with each receive, with jitter. */
  private redeliverLater(m: Message<T>): void {
    if (this.stopped) return;
    const backoff = Math.min(this.maxRetryMs, this.retryMs * 2 ** (m.attempts - 1));
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    this.delayedCount++;
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.delayedCount--;
      if (this.stopped) return;
      m.readyAt = Date.now();
      this.ready.push(m);
      this.pump();
    }, delay);
    this.delayed.add(timer);
  }

  private toSqs(m: Message<T>): SQSRecord {
    return sqsRecord({
      id: m.id,
      body: this.codec.body(m.record),
      receives: m.attempts,
      sentAt: m.sentAt,
      senderId: this.options.senderId ?? 'AIDAS3LOCAL',
      arn: this.arn,
    });
  }
}

/** One message as SQS hands it to a Lambda event source (the local queues' shared record shape). */
export function sqsRecord(m: {
  id: string;
  body: string;
  receives: number;
  sentAt: number;
  senderId: string;
  arn: string;
}): SQSRecord {
  return {
    messageId: m.id,
    receiptHandle: `${m.id}#${m.receives}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receives),
      SentTimestamp: String(m.sentAt),
      SenderId: m.senderId,
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(m.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: m.arn,
    awsRegion: LOCAL_REGION,
  };
}
