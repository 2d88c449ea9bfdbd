/**
 * The publisher's ports, unit-tested with fakes where AWS would be (SQS, CloudFront), and the local publish
 * queue (the stack's one queue stand-in, set as the publish queue) with a recording handler: batching,
 * redelivery, dropping.
 */
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { announceChanges, sqsChangeSink } from '../../../functions/ingest/changes.js';
import { changedFeeds, publishBatchHandler } from '../../../functions/publish/batch.js';
import { cloudFrontInvalidator } from '../../../functions/publish/invalidate.js';
import { publishQueue } from '../../../local/publisher.js';
import { RecordingLog } from '../../support/fakes.js';

const record = (body: string, messageId = 'm1') => ({ messageId, body }) as SQSEvent['Records'][number];

describe('the ingest side', () => {
  it('sends one SQS message with the changed feeds, sorted, to the publish queue', async () => {
    const sent: unknown[] = [];
    const client = {
      send: async (command: { input: unknown }) => sent.push(command.input),
    } as unknown as SQSClient;
    await sqsChangeSink('https://sqs.example/q', client)({ feeds: ['_all', 'b'] });
    expect(sent).toEqual([{ QueueUrl: 'https://sqs.example/q', MessageBody: '{"feeds":["_all","b"]}' }]);
  });

  it('never fails the batch: a sink that throws is one warning; nothing changed sends nothing', async () => {
    const log = new RecordingLog();
    const messages: unknown[] = [];
    const sink = async (m: unknown) => {
      messages.push(m);
      throw new Error('queue unreachable');
    };
    await announceChanges(sink, new Set(), log);
    expect(messages).toEqual([]);
    await announceChanges(sink, new Set(['z', '_all']), log);
    expect(messages).toEqual([{ feeds: ['_all', 'z'] }]);
    expect(log.lines.map((l) => [l.level, l.extra.feeds])).toEqual([['warn', ['_all', 'z']]]);
    // No publisher (no hubs): nothing is sent, nothing is said.
    await announceChanges(undefined, new Set(['z']), log);
    expect(log.lines).toHaveLength(1);
  });
});

describe('the publisher function', () => {
  it('merges the feeds of a batch and skips bodies that are not change messages, with an error naming them', () => {
    const log = new RecordingLog();
    const feeds = changedFeeds(
      {
        Records: [
          record('{"feeds":["_all","a"]}'),
          record('{"feeds":["a","b"]}', 'm2'),
          record('not json', 'm3'),
          record('{"feeds":[1]}', 'm4'),
        ],
      },
      log,
    );
    expect([...feeds].sort()).toEqual(['_all', 'a', 'b']);
    expect(log.errors().map((l) => l.extra.messageId)).toEqual(['m3', 'm4']);
  });

  it('invalidates before it pings, and pings nothing when the invalidation fails (the queue retries)', async () => {
    const calls: string[] = [];
    const handler = publishBatchHandler({
      hubs: ['http://127.0.0.1:9/hub'],
      baseUrl: 'http://127.0.0.1:9',
      log: new RecordingLog(),
      attempts: 1,
      timeoutMs: 200,
      invalidate: async (feeds) => {
        calls.push(`invalidate ${[...feeds].join(',')}`);
        throw new Error('TooManyInvalidationsInProgress');
      },
      onReport: () => calls.push('pinged'),
    });
    await expect(handler({ Records: [record('{"feeds":["a"]}')] })).rejects.toThrow(
      'TooManyInvalidationsInProgress',
    );
    expect(calls).toEqual(['invalidate a']);
    await handler({ Records: [record('{"feeds":[]}')] });
    expect(calls).toEqual(['invalidate a']);
  });

  it('creates one invalidation of /* and waits until CloudFront says it is complete', async () => {
    const inputs: { name: string; input: Record<string, unknown> }[] = [];
    let polls = 0;
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        inputs.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === 'CreateInvalidationCommand')
          return { Invalidation: { Id: 'I1', Status: 'InProgress' } };
        polls++;
        return { Invalidation: { Id: 'I1', Status: polls < 2 ? 'InProgress' : 'Completed' } };
      },
    } as unknown as CloudFrontClient;
    await cloudFrontInvalidator(client, 'E123', 60)();
    expect(inputs[0]).toMatchObject({
      name: 'CreateInvalidationCommand',
      input: { DistributionId: 'E123', InvalidationBatch: { Paths: { Quantity: 1, Items: ['/*'] } } },
    });
    expect(inputs.slice(1).every((c) => c.name === 'GetInvalidationCommand' && c.input.Id === 'I1')).toBe(
      true,
    );
    expect(polls).toBe(2);
  });
});

describe('the local publish queue', () => {
  it('gathers the messages of a window into one batch; a failing batch comes back, then is dropped', async () => {
    const batches: string[][] = [];
    let fail = false;
    const dropped: number[] = [];
    const queue = publishQueue({
      windowMs: 30,
      retryMs: 10,
      handler: async (event) => {
        batches.push(event.Records.map((r) => r.body));
        if (fail) throw new Error('no');
      },
      onDeadLetter: (letter) => dropped.push(letter.receiveCount),
    });
    queue.push({ feeds: ['a'] });
    queue.push({ feeds: ['b'] });
    await queue.idle();
    expect(batches).toEqual([['{"feeds":["a"]}', '{"feeds":["b"]}']]);
    fail = true;
    queue.push({ feeds: ['c'] });
    await queue.idle();
    expect(batches.slice(1)).toEqual([['{"feeds":["c"]}'], ['{"feeds":["c"]}'], ['{"feeds":["c"]}']]);
    // Dropped (a dead letter) after its third delivery, as the publish queue's redrive policy does.
    expect(dropped).toEqual([3]);
    await queue.stop();
  });
});
