import type { S3EventRecord, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type DeadLetter, EventQueue } from '../../../local/event-queue.js';
import { notificationRecord } from '../../../local/s3-notifications.js';

const record = (key: string, seq: number): S3EventRecord =>
  notificationRecord({ eventName: 'ObjectCreated:Put', bucket: 'b', key, size: 1, eTag: 'e' }, String(seq));

const keysOf = (event: SQSEvent) =>
  event.Records.map((m) => (JSON.parse(m.body) as { Records: S3EventRecord[] }).Records[0]?.s3.object.key);

describe('EventQueue', () => {
  it('delivers every record once, as SQS messages wrapping one S3 notification each, in bounded batches', async () => {
    const batches: SQSEvent[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const q = new EventQueue({
      concurrency: 3,
      batchSize: 4,
      handler: async (event) => {
        batches.push(event);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { batchItemFailures: [] };
      },
    });
    for (let i = 0; i < 50; i++) q.push(record(`k${i}.md`, i));
    await q.idle();
    const keys = batches.flatMap(keysOf);
    expect(keys.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}.md`).sort());
    expect(Math.max(...batches.map((b) => b.Records.length))).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
    const m = batches[0]?.Records[0];
    expect(m).toMatchObject({ eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } });
    expect(q.stats()).toMatchObject({ pending: 0, done: 50, retries: 0 });
  });

  it('redelivers only the messages reported as failed, and whole batches that throw, until they succeed', async () => {
    const attempts = new Map<string, number>();
    const receiveCounts: string[] = [];
    const q = new EventQueue({
      batchSize: 5,
      retryMs: 1,
      maxRetryMs: 4,
      handler: async (event) => {
        const keys = keysOf(event);
        if (keys.includes('boom.md') && (attempts.get('boom.md') ?? 0) < 1) {
          attempts.set('boom.md', 1);
          throw new Error('store not answering');
        }
        const failures = [];
        for (const [i, key] of keys.entries()) {
          const n = (attempts.get(key as string) ?? 0) + 1;
          attempts.set(key as string, n);
          if (key === 'flaky.md')
            receiveCounts.push(event.Records[i]?.attributes.ApproximateReceiveCount ?? '');
          if (key === 'flaky.md' && n < 4)
            failures.push({ itemIdentifier: event.Records[i]?.messageId as string });
        }
        return { batchItemFailures: failures };
      },
    });
    q.push(record('ok.md', 1));
    q.push(record('flaky.md', 2));
    q.push(record('boom.md', 3));
    await q.idle();
    expect(attempts.get('ok.md')).toBe(1);
    expect(attempts.get('flaky.md')).toBe(4);
    expect(receiveCounts).toEqual(['1', '2', '3', '4']);
    expect(q.stats().pending).toBe(0);
    expect(q.stats().retries).toBeGreaterThanOrEqual(3);
  });

  it('stop() waits for batches in flight and reports what was left undelivered', async () => {
    let release: () => void = () => {};
    const handled: string[] = [];
    const q = new EventQueue({
      concurrency: 1,
      batchSize: 1,
      handler: async (event) => {
        await new Promise<void>((r) => (release = r));
        handled.push(...(keysOf(event) as string[]));
        return { batchItemFailures: [] };
      },
    });
    q.push(record('a.md', 1));
    q.push(record('b.md', 2));
    q.push(record('c.md', 3));
    const stopping = q.stop();
    release();
    expect(await stopping).toBe(2);
    expect(handled).toEqual(['a.md']);
    q.push(record('d.md', 4));
    expect(q.stats().pending).toBe(0);
  });

  it('moves a message that fails every receive to the dead letters after maxReceiveCount, and redrives it', async () => {
    const counts: string[] = [];
    let healthy = false;
    const letters: DeadLetter[] = [];
    const q = new EventQueue({
      batchSize: 5,
      retryMs: 1,
      maxRetryMs: 4,
      maxReceiveCount: 5,
      onDeadLetter: (l) => letters.push(l),
      handler: async (event) => {
        const failures = [];
        for (const m of event.Records) {
          const key = (JSON.parse(m.body) as { Records: S3EventRecord[] }).Records[0]?.s3.object.key;
          if (key === 'always+fails.md') counts.push(m.attributes.ApproximateReceiveCount);
          if (key === 'always+fails.md' && !healthy) failures.push({ itemIdentifier: m.messageId });
        }
        return { batchItemFailures: failures };
      },
    });
    q.push(record('always fails.md', 1));
    q.push(record('fine.md', 2));
    await q.idle();
    // Received five times (the count SQS sends), then set aside instead of retried for ever.
    expect(counts).toEqual(['1', '2', '3', '4', '5']);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      key: 'always fails.md',
      receiveCount: 5,
      lastError: expect.stringContaining('batch item failure'),
    });
    expect(q.stats()).toMatchObject({ pending: 0, done: 1, deadLettered: 1, retries: 4 });

    // Redriven once the cause is gone: a new message, received from count 1 again, and done.
    healthy = true;
    q.redrive(letters);
    await q.idle();
    expect(counts.slice(5)).toEqual(['1']);
    expect(q.stats()).toMatchObject({ pending: 0, done: 2, deadLettered: 1 });
  });

  it('keeps the error of a batch that failed as a whole (a crash or a timeout) as the dead letter’s last error', async () => {
    const letters: DeadLetter[] = [];
    const q = new EventQueue({
      retryMs: 1,
      maxRetryMs: 2,
      maxReceiveCount: 2,
      onDeadLetter: (l) => letters.push(l),
      handler: async () => {
        throw new Error('Task timed out after 30.00 seconds');
      },
    });
    q.push(record('slow.md', 1));
    await q.idle();
    expect(letters.map((l) => [l.key, l.receiveCount, l.lastError])).toEqual([
      ['slow.md', 2, 'Task timed out after 30.00 seconds'],
    ]);
  });

  it('waits out its batching window for a batch that is not full, and delivers a full one at once', async () => {
    const batches: { keys: (string | undefined)[]; at: number }[] = [];
    const q = new EventQueue({
      batchSize: 3,
      windowMs: 150,
      handler: async (event) => {
        batches.push({ keys: keysOf(event), at: Date.now() });
        return { batchItemFailures: [] };
      },
    });
    const start = Date.now();
    for (let i = 0; i < 4; i++) q.push(record(`w${i}.md`, i));
    await q.idle();
    expect(batches.map((b) => b.keys)).toEqual([['w0.md', 'w1.md', 'w2.md'], ['w3.md']]);
    // The one message left waited for others as long as the window (a full batch does not wait: it came first).
    expect((batches[1]?.at ?? 0) - start).toBeGreaterThanOrEqual(150);
  });
});
