/**
 * The local stand-in for the SQS queue between the bucket and the ingest function: S3 notification records go
 * in; batches of SQS messages (one record each, as S3 sends them) go to the handler with bounded concurrency.
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
import { MAX_RECEIVE_COUNT } from '../shared/limits.js';
import { LOCAL_REGION } from './servers.js';

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface EventQueueOptions {
  handler: BatchHandler;
  /** Batches in flight at once (Lambda's concurrency). */
  concurrency?: number;
  /** Messages per batch (the event source mapping's batch size). */
  batchSize?: number;
  /** First redelivery delay; doubles per attempt up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Receives after which a message that fails again becomes a dead letter (the redrive policy's). */
  maxReceiveCount?: number;
  queueName?: string;
  /** After each message is done (handled without failure). */
  onDone?: (record: S3EventRecord) => void;
  /** After a failed attempt, with the attempt number and the error when the whole batch threw. */
  onRetry?: (record: S3EventRecord, attempt: number, error?: unknown) => void;
  /** When a message failed its last allowed receive and left the queue. */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** A message that failed every receive the redrive policy allows, as kept in the dead-letter list. */
export interface DeadLetter {
  messageId: string;
  /** The bucket key, decoded. */
  key: string;
  record: S3EventRecord;
  receiveCount: number;
  /** Why its last receive failed, as far as the queue knows. */
  lastError: string;
  /** ISO times: first sent, and moved to the dead-letter list. */
  sentAt: string;
  deadAt: string;
}

interface Message {
  id: string;
  record: S3EventRecord;
  attempts: number;
  sentAt: number;
}

/** A notification's object key as a person reads it (S3 sends it URL-encoded, '+' for a space). */
export const recordKey = (record: S3EventRecord): string => {
  const raw = record.s3.object.key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
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

export class EventQueue {
  private readonly ready: Message[] = [];
  private readonly delayed = new Set<NodeJS.Timeout>();
  private delayedCount = 0;
  private inFlight = 0;
  private running = 0;
  private done = 0;
  private retries = 0;
  private deadLettered = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxReceiveCount: number;
  private readonly arn: string;

  constructor(private readonly options: EventQueueOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.batchSize = Math.max(1, options.batchSize ?? 10);
    this.retryMs = options.retryMs ?? 5000;
    this.maxRetryMs = options.maxRetryMs ?? 60_000;
    this.maxReceiveCount = options.maxReceiveCount ?? MAX_RECEIVE_COUNT;
    this.arn = `arn:aws:sqs:${LOCAL_REGION}:000000000000:${options.queueName ?? 'feedbucket-ingest'}`;
  }

  /** Queues one notification record. Ignored after stop() (the start-up reconciliation covers it). */
  push(record: S3EventRecord): void {
    if (this.stopped) return;
    this.ready.push({ id: randomUUID(), record, attempts: 0, sentAt: Date.now() });
    this.pump();
  }

  /** Puts dead letters back on the queue as new messages (receive count 0), as an SQS redrive does. */
  redrive(letters: readonly DeadLetter[]): void {
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
   * Stops taking records and redeliveries; waits for the batches in flight (never cuts a handler short), and
   * for the queue to drain if it does within `drainMs`. Returns how many messages were left undelivered.
   */
  async stop(drainMs = 0): Promise<number> {
    if (drainMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
    }
    this.stopped = true;
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

  private async deliver(batch: Message[]): Promise<void> {
    for (const m of batch) m.attempts++;
    let failed: Set<string>;
    let error: unknown;
    try {
      const response = await this.options.handler({ Records: batch.map((m) => this.toSqs(m)) });
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (e) {
      error = e;
      failed = new Set(batch.map((m) => m.id));
    }
    for (const m of batch) {
      if (failed.has(m.id) && m.attempts >= this.maxReceiveCount) {
        this.deadLettered++;
        this.options.onDeadLetter?.({
          messageId: m.id,
          key: recordKey(m.record),
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

  private redeliverLater(m: Message): void {
    if (this.stopped) return;
    const backoff = Math.min(this.maxRetryMs, this.retryMs * 2 ** (m.attempts - 1));
    const delay = backoff / 2 + Math.random() * (backoff / 2);
    this.delayedCount++;
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.delayedCount--;
      if (this.stopped) return;
      this.ready.push(m);
      this.pump();
    }, delay);
    this.delayed.add(timer);
  }

  private toSqs(m: Message): SQSRecord {
    const body = JSON.stringify({ Records: [m.record] });
    return sqsRecord({
      id: m.id,
      body,
      receives: m.attempts,
      sentAt: m.sentAt,
      senderId: 'AIDAS3LOCAL',
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
