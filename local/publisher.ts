/**
 * The WebSub publisher as the local stack runs it: the real publisher handler (made by the same factory as in
 * Lambda) behind the stack's queue stand-in, configured as the publish queue and its event source are in AWS
 * (infra/constructs/websub-publisher.ts: batches of up to 100 messages, 2 at once, 3 receives before a dead
 * letter), with a shorter batching window. Change messages from the ingest function go in; each batch pings
 * each changed feed once, so a backfill of thousands of files pings a feed a bounded number of times, not once
 * per file. Its warnings (a hub that failed) and dead letters are printed as console lines. Nothing caches the
 * feeds locally: no invalidation.
 */
import { createPublishHandler } from '../functions/publish/create.js';
import type { ChangeMessage } from '../shared/websub.js';
import { EventQueue, type EventQueueOptions } from './event-queue.js';

export type PublishQueue = EventQueue<ChangeMessage>;

export function localPublisher(options: {
  hubs: string[];
  baseUrl: string;
  print: (line: string) => void;
}): PublishQueue {
  const quiet = () => {};
  const handler = createPublishHandler({
    config: { hubs: options.hubs, publicBaseUrl: options.baseUrl },
    log: {
      debug: quiet,
      info: quiet,
      warn: (message) => options.print(`warning   ${message}`),
      error: (message) => options.print(`error     ${message}`),
    },
  });
  return publishQueue({
    handler,
    onDeadLetter: (letter) =>
      options.print(
        `error     a WebSub change message (${letter.key}) dropped after ${letter.receiveCount} deliveries: ${letter.lastError}`,
      ),
  });
}

/** The publish queue and its event source's settings, around any handler (the tests' recording ones too). */
export function publishQueue(
  options: Pick<EventQueueOptions<ChangeMessage>, 'handler' | 'windowMs' | 'retryMs' | 'onDeadLetter'>,
): PublishQueue {
  return new EventQueue<ChangeMessage>({
    codec: { body: (message) => JSON.stringify(message), key: (message) => message.feeds.join(', ') },
    batchSize: 100,
    concurrency: 2,
    maxReceiveCount: 3,
    retryMs: 1000,
    queueName: 'feedbucket-publish',
    senderId: 'AIDAINGESTLOCAL',
    ...options,
    windowMs: options.windowMs ?? 250,
  });
}
