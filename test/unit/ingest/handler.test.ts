/**
 * The ingest function as its factory makes it, over the in-memory store and object source: SQS batches go
 * through Powertools' batch utility (partial responses), at most `concurrency` messages at once, started in
 * the batch's order with each message's events applied in order; one change message per batch; a direct S3
 * event that fails throws (Lambda retries it).
 */
import type { S3EventRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../../functions/ingest/create.js';
import { ALL } from '../../../shared/article/model.js';
import { providerFeed } from '../../../shared/article/provider-feed.js';
import type { StoredObject } from '../../../shared/ingest/objects.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import type { ChangeMessage } from '../../../shared/websub.js';
import { articleFile } from '../../support/articles.js';
import { s3EventKey, s3Message, s3Record, sqsEvent } from '../../support/aws-events.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';

const BUCKET = 'articles';
let sequencer = 0x100;

const created = (key: string, size = 100, bucket = BUCKET): S3EventRecord =>
  s3Record({
    eventName: 'ObjectCreated:Put',
    bucket,
    encodedKey: s3EventKey(key),
    size,
    sequencer: (sequencer++).toString(16).toUpperCase().padStart(8, '0'),
  });

/** An object source that holds each read a little, recording the reads in flight and their order. */
class SlowObjects extends MemoryObjects {
  inFlight = 0;
  most = 0;
  readonly order: string[] = [];
  failing = new Set<string>();

  override async get(bucket: string, key: string): Promise<StoredObject | undefined> {
    this.order.push(key);
    this.inFlight++;
    this.most = Math.max(this.most, this.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight--;
    if (this.failing.has(key)) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    return super.get(bucket, key);
  }
}

function setUp() {
  const store = new MemoryStore();
  const objects = new SlowObjects();
  const log = new RecordingLog();
  const changes: ChangeMessage[] = [];
  const metrics: Record<string, number> = {};
  let published = 0;
  const handler = createIngestHandler({
    config: { maxObjectBytes: 1 << 20 },
    store,
    objects,
    log,
    metrics: {
      addMetric: (name, _unit, value) => {
        metrics[name] = (metrics[name] ?? 0) + value;
      },
      publishStoredMetrics: () => {
        published++;
      },
    },
    announce: async (message) => {
      changes.push(message);
    },
  });
  const put = (key: string, topic: string) => {
    const body = articleFile({ webUrl: `https://example.com/${key}`, title: key, topics: [topic] });
    objects.put(key, body);
    return created(key, Buffer.byteLength(body));
  };
  return { store, objects, log, changes, metrics, handler, put, published: () => published };
}

describe('the ingest function made by its factory', () => {
  it('takes at most 8 messages at once, in the batch’s order, each message’s events in order', async () => {
    const { store, objects, changes, metrics, handler, put, published } = setUp();
    const messages = Array.from({ length: 20 }, (_, i) =>
      s3Message(put(`m${i}/a.md`, 'Batch'), put(`m${i}/b.md`, 'Batch')),
    );
    expect(await handler(sqsEvent(...messages))).toEqual({ batchItemFailures: [] });
    expect(objects.most).toBe(8);
    // Messages start in order; inside one, its second event is read only after its first.
    const firsts = objects.order.filter((k) => k.endsWith('/a.md'));
    expect(firsts).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}/a.md`));
    for (let i = 0; i < 20; i++) {
      expect(objects.order.indexOf(`m${i}/a.md`)).toBeLessThan(objects.order.indexOf(`m${i}/b.md`));
    }
    expect((await store.getTopic('batch'))?.count).toBe(40);
    // One change message for the whole batch; the figures counted and published once.
    // Every article of articleFile comes from example.com: its provider feed changed too.
    expect(changes).toEqual([{ feeds: [ALL, providerFeed('example.com'), 'batch'] }]);
    expect(metrics).toEqual({ FilesIngested: 40 });
    expect(published()).toBe(1);
  });

  it('reports only the messages that failed (in any order, as SQS takes them), each logged with its reason', async () => {
    const { objects, log, changes, metrics, handler, put } = setUp();
    const ok = put('ok.md', 'Partial');
    const flaky = put('flaky.md', 'Partial');
    objects.failing.add('flaky.md');
    const event = sqsEvent(s3Message(ok), s3Message(flaky), 'not json', { Records: 'no' });
    const ids = event.Records.map((r) => r.messageId);
    const failed = (await handler(event)).batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.sort()).toEqual(ids.slice(1).sort());
    expect(changes).toEqual([{ feeds: [ALL, providerFeed('example.com'), 'partial'] }]);
    expect(metrics).toMatchObject({ FilesIngested: 1, TransientFailures: 1 });
    expect(
      log
        .errors()
        .map((l) => l.message)
        .sort(),
    ).toEqual(
      [
        'could not process flaky.md now; it will be retried',
        `message ${ids[2]} cannot be processed: the SQS message body is not JSON`,
        `message ${ids[3]} cannot be processed: the SQS message is not an S3 event notification`,
      ].sort(),
    );

    // A batch whose every message fails is still a partial response (the utility would throw otherwise).
    const all = sqsEvent(s3Message(flaky));
    expect(await handler(all)).toEqual({
      batchItemFailures: [{ itemIdentifier: all.Records[0]?.messageId }],
    });
  });

  it('postpones the messages it has no time for, untouched, with one warning', async () => {
    const { objects, log, metrics, handler, put } = setUp();
    const event = sqsEvent(...Array.from({ length: 12 }, (_, i) => s3Message(put(`t${i}.md`, 'Time'))));
    // 30 s at the start, then 2 s less at each look: the cut-off (a third left, 10 s) comes at the 11th look.
    let remaining = 32_000;
    const result = await handler(event, { getRemainingTimeInMillis: () => (remaining -= 2000) });
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.slice(10).map((r) => r.messageId),
    );
    expect(objects.order).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}.md`));
    expect(metrics).toMatchObject({ FilesIngested: 10, MessagesPostponed: 2 });
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'time running short: 2 of 12 messages left for a later delivery',
    ]);
  });

  it('throws for a direct S3 event it could not apply, so that Lambda retries it', async () => {
    const { objects, handler, put } = setUp();
    expect(await handler(s3Message(put('direct.md', 'Direct')))).toEqual({ batchItemFailures: [] });
    objects.failing.add('down.md');
    await expect(handler(s3Message(put('down.md', 'Direct')))).rejects.toThrow(
      '1 S3 event(s) could not be processed; see the log lines above',
    );
  });
});
