/**
 * The local stack's bucket events: each change s3rver reports becomes an S3 notification record on the ingest
 * queue (only for keys S3's suffix filters would notify), and what became of each file is printed: a line per
 * file for a few files, a progress line for a burst of many, and a line per rejected or dead-lettered file.
 */
import type { S3EventRecord } from 'aws-lambda';
import {
  ARTICLE_SUFFIXES,
  isArticleKey,
  isNotifiedKey,
  notificationSuffixes,
} from '../shared/article/files.js';
import type { DynamoStore } from '../shared/store/dynamodb.js';
import type { FileRecord } from '../shared/store/types.js';
import { fmt, type StatusConsole } from './console.js';
import { type DeadLetter, type EventQueue, recordKey } from './event-queue.js';
import { notificationRecord, type Sequencer, watchObjectChanges } from './s3-notifications.js';
import type { LocalS3 } from './servers.js';

/** Up to this many files in a burst, each gets its own line; past it, one progress line. */
const SHOW_FILES_UNDER = 20;

export class IngestProgress {
  private burst = { total: 0, done: 0, rejected: 0, dead: 0, startedAt: 0, showing: false };
  /** Records of finished messages whose outcome is not printed yet (one read of the table per batch). */
  private reporting: S3EventRecord[] = [];
  /** Reports under way. */
  readonly outcomes = new Set<Promise<void>>();
  /** Set once the queue exists (it is made with this object's callbacks). */
  queue: EventQueue | undefined;

  constructor(
    private readonly out: StatusConsole,
    private readonly store: DynamoStore,
    /** Files of the watched folder still being uploaded (they count towards a burst's total already). */
    private readonly uploading: () => number,
  ) {
    this.startBurst();
  }

  /** Nothing queued and no outcome left to print. */
  quiet(): boolean {
    return (this.queue?.stats().pending ?? 0) === 0 && this.outcomes.size === 0;
  }

  /** A new event for the queue. */
  received(): void {
    if (this.quiet()) this.startBurst();
    const burst = this.burst;
    burst.total++;
    if (!burst.showing && burst.total + this.uploading() > SHOW_FILES_UNDER) {
      burst.showing = true;
      this.out.startStatus(
        () =>
          `ingested ${fmt(burst.done)} / ${fmt(burst.total + this.uploading())}, ${fmt(burst.rejected)} rejected${this.deadSoFar()}`,
      );
    }
  }

  readonly onDone = (record: S3EventRecord): void => {
    this.reporting.push(record);
    if (this.reporting.length > 1) return; // a report of this batch is already scheduled
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.reportOutcomes())
      .finally(() => {
        this.outcomes.delete(p);
        if (this.quiet()) this.endBurst();
      });
    this.outcomes.add(p);
  };

  readonly onRetry = (record: S3EventRecord, attempt: number, error?: unknown): void => {
    if (attempt === 3 || attempt % 10 === 0) {
      const why = error instanceof Error ? `: ${error.message}` : '';
      this.out.log(`retrying  ${recordKey(record)} (attempt ${attempt + 1})${why}`);
    }
  };

  /** A message that failed every receive: its line names where the list is and how to redrive it. */
  deadLettered(letter: DeadLetter, base: string): void {
    this.out.log(
      `dead      ${letter.key}: ${letter.lastError} (failed ${letter.receiveCount} receives; listed at ${base}/_dead-letters, redrive: curl -X POST ${base}/_dead-letters/redrive)`,
    );
    // Counted on the progress line, which ends with the burst even when its last message was dead-lettered.
    this.burst.dead++;
    setImmediate(() => {
      if (this.quiet()) this.endBurst();
    });
  }

  /** What became of each file is read back from its record: the records of a finished batch in one request. */
  private async reportOutcomes(): Promise<void> {
    const records = this.reporting;
    this.reporting = [];
    const keys = records.map(recordKey);
    const files = await this.store.getFiles(keys).catch(() => new Map<string, FileRecord>());
    const burst = this.burst;
    for (const [i, record] of records.entries()) {
      const key = keys[i] as string;
      const file = files.get(key);
      burst.done++;
      if (file?.status === 'rejected') {
        burst.rejected++;
        this.out.log(`rejected  ${key}: ${file.reason ?? 'not a valid article'}`);
      } else if (!burst.showing && burst.total + this.uploading() <= SHOW_FILES_UNDER) {
        this.out.log(record.eventName.startsWith('ObjectRemoved') ? `removed   ${key}` : `ingested  ${key}`);
      }
    }
  }

  private deadSoFar(): string {
    return this.burst.dead ? `, ${fmt(this.burst.dead)} dead-lettered` : '';
  }

  private startBurst(): void {
    this.burst = { total: 0, done: 0, rejected: 0, dead: 0, startedAt: Date.now(), showing: false };
  }

  private endBurst(): void {
    const burst = this.burst;
    if (burst.showing) {
      const secs = (Date.now() - burst.startedAt) / 1000;
      this.out.endStatus(
        `ingested ${fmt(burst.done)} / ${fmt(burst.total)}, ${fmt(burst.rejected)} rejected${this.deadSoFar()} in ${secs.toFixed(1)} s`,
      );
    }
    this.startBurst();
  }
}

/**
 * Sends each change of `bucket` to the queue as S3 would notify it. `missed` is called for a change no event
 * announces (stopping, or a suffix S3's case-sensitive filters do not match): the next start reconciles.
 * Returns the function that stops watching.
 */
export function routeBucketEvents(options: {
  s3: LocalS3;
  bucket: string;
  queue: EventQueue;
  sequencer: Sequencer;
  progress: IngestProgress;
  out: StatusConsole;
  stopping: () => boolean;
  missed: () => void;
}): () => void {
  const { bucket, queue, sequencer, progress, out } = options;
  return watchObjectChanges(options.s3.server, (change) => {
    if (change.bucket !== bucket) return;
    if (options.stopping()) {
      options.missed(); // the next start reconciles
      return;
    }
    const removed = change.eventName.startsWith('ObjectRemoved');
    if (!isArticleKey(change.key)) {
      if (!removed) out.log(`skipped   ${change.key}: not an article file (${ARTICLE_SUFFIXES.join(', ')})`);
      return;
    }
    if (!isNotifiedKey(change.key)) {
      // As in AWS: the bucket's suffix filters are case-sensitive, so S3 sends no event for `.Md`.
      options.missed(); // the next start reconciles, as the scheduled reconcile does in AWS
      if (!removed) {
        out.log(
          `no event  ${change.key}: S3 notifies only ${notificationSuffixes().join(', ')} (suffix filters are case-sensitive); the next reconcile applies it (here: the next start; in AWS: the scheduled one). Rename it to a lower-case suffix to publish it now`,
        );
      }
      return;
    }
    progress.received();
    queue.push(notificationRecord(change, sequencer.next()));
  });
}
