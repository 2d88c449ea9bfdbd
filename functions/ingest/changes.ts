/**
 * Where the ingest function hands the feeds a batch changed, for the WebSub publisher: in AWS one SQS message
 * per batch to the publish queue (PUBLISH_QUEUE_URL, set only when hubs are configured); locally, the stack
 * (the sink its ingest environments are made with), which tells its feeds function and its publish queue. A
 * failure to hand them over is a warning, never an ingest failure: the articles are in the feeds either way,
 * and readers still see them at their next poll.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { withoutSdkLogging } from '../../shared/clients.js';
import type { Log } from '../../shared/logger.js';
import type { ChangeMessage } from '../../shared/websub.js';

export type ChangeSink = (message: ChangeMessage) => Promise<void>;

/**
 * The SQS client is loaded on first use: a stack without hubs never sends, and its ingest cold start does not
 * pay for the client's module init.
 */
export function sqsChangeSink(queueUrl: string, client?: SQSClient): ChangeSink {
  let sqs: Promise<{ client: SQSClient; send: typeof import('@aws-sdk/client-sqs').SendMessageCommand }>;
  return async (message) => {
    sqs ??= import('@aws-sdk/client-sqs').then((m) => ({
      // Few, short tries: a slow queue must not hold the ingest batch back.
      client:
        client ??
        withoutSdkLogging(
          new m.SQSClient({
            maxAttempts: 2,
            requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000 },
          }),
        ),
      send: m.SendMessageCommand,
    }));
    const { client: c, send } = await sqs;
    await c.send(new send({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  };
}

/** Hands the changed feeds to the publisher, if there is one; never throws. */
export async function announceChanges(
  sink: ChangeSink | undefined,
  feeds: ReadonlySet<string>,
  log: Log,
): Promise<void> {
  if (!sink || feeds.size === 0) return;
  const message: ChangeMessage = { feeds: [...feeds].sort() };
  try {
    await sink(message);
  } catch (error) {
    log.warn('the changed feeds could not be handed to the WebSub publisher: hubs will not hear of them', {
      feeds: message.feeds,
      error: error as Error,
    });
  }
}
