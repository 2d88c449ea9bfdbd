/**
 * The local stand-in for the publish queue and its event source: change messages from the ingest function go
 * in; after a short batching window they go, as one SQS batch, to the real publisher handler. Like the
 * event source's maximum concurrency, at most `concurrency` batches run at once; messages arriving meanwhile
 * wait and go together, so a backfill of thousands of files pings each feed a bounded number of times (one
 * per batch), not once per file. A batch whose handler throws is delivered again after a growing delay, three
 * times at most, then dropped with one line, as the queue's dead-letter queue would take it.
 */
import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { publishBatchHandler } from '../functions/publish/batch.js';
import type { ChangeMessage } from '../shared/websub.js';
import { sqsRecord } from './event-queue.js';
import { LOCAL_REGION } from './servers.js';

export interface PublishQueueOptions {
  handler: (event: SQSEvent, signal: AbortSignal) => Promise<void>;
  /** How long the first message of a batch waits for others (ms). */
  windowMs?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Deliveries of a batch before it is dropped. */
  maxReceives?: number;
  retryMs?: number;
  /** A batch dropped after its last delivery failed. */
  onDropped?: (messages: number, error: unknown) => void;
}

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receives: number;
}

export class PublishQueue {
  private waiting: Message[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly retries = new Set<NodeJS.Timeout>();
  private running = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly windowMs: number;
  private readonly concurrency: number;
  private readonly maxReceives: number;
  private readonly retryMs: number;

  constructor(private readonly options: PublishQueueOptions) {
    this.windowMs = options.windowMs ?? 250;
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.maxReceives = options.maxReceives ?? 3;
    this.retryMs = options.retryMs ?? 1000;
  }

  send(message: ChangeMessage): void {
    if (this.stopped) return;
    this.waiting.push({ id: randomUUID(), body: JSON.stringify(message), sentAt: Date.now(), receives: 0 });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, this.windowMs);
  }

  /** Resolves when no message waits and no batch runs (redeliveries pending count as waiting). */
  async idle(): Promise<void> {
    while (this.waiting.length > 0 || this.timer || this.retries.size > 0 || this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends in-flight batches (their pings are abandoned) and drops what waits. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const t of this.retries) clearTimeout(t);
    this.waiting = [];
    this.abort.abort();
    await Promise.all([...this.inFlight]);
  }

  private pump(): void {
    if (this.stopped || this.timer || this.waiting.length === 0 || this.running >= this.concurrency) return;
    const batch = this.waiting;
    this.waiting = [];
    this.running++;
    const run = this.deliver(batch).finally(() => {
      this.running--;
      this.inFlight.delete(run);
      this.pump();
    });
    this.inFlight.add(run);
  }

  private async deliver(batch: Message[]): Promise<void> {
    for (const m of batch) m.receives++;
    try {
      await this.options.handler({ Records: batch.map((m) => this.toSqs(m)) }, this.abort.signal);
    } catch (error) {
      if (this.stopped) return;
      const again = batch.filter((m) => m.receives < this.maxReceives);
      if (again.length < batch.length) this.options.onDropped?.(batch.length - again.length, error);
      if (again.length === 0) return;
      const timer = setTimeout(
        () => {
          this.retries.delete(timer);
          if (this.stopped) return;
          this.waiting.push(...again);
          this.pump();
        },
        this.retryMs * 2 ** ((again[0]?.receives ?? 1) - 1),
      );
      this.retries.add(timer);
    }
  }

  private toSqs(m: Message): SQSRecord {
    return sqsRecord({
      id: m.id,
      body: m.body,
      receives: m.receives,
      sentAt: m.sentAt,
      senderId: 'AIDAINGESTLOCAL',
      arn: `arn:aws:sqs:${LOCAL_REGION}:000000000000:feedbucket-publish`,
    });
  }
}

/**
 * The publisher as the local stack runs it: the real publisher handler behind the local publish queue, its
 * warnings (a hub that failed) printed as console lines. Nothing caches the feeds locally: no invalidation.
 */
export function localPublisher(options: {
  hubs: string[];
  baseUrl: string;
  print: (line: string) => void;
  windowMs?: number;
}): PublishQueue {
  const quiet = () => {};
  const handler = publishBatchHandler({
    hubs: options.hubs,
    baseUrl: options.baseUrl,
    log: {
      debug: quiet,
      info: quiet,
      warn: (message) => options.print(`warning   ${message}`),
      error: (message) => options.print(`error     ${message}`),
    },
  });
  return new PublishQueue({
    handler,
    windowMs: options.windowMs,
    onDropped: (n, error) =>
      options.print(
        `error     ${n} WebSub change message(s) dropped after 3 deliveries: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
}
