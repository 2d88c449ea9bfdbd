/**
 * The invocation's time, as Lambda's context tells it: ingest takes no new message once a share of it is used
 * (INGEST_CUTOFF_SHARE), so that a slow table (throttling, the SDK's back-off) ends in messages reported as
 * batch item failures, retried later, rather than in a timeout that returns the whole batch to the queue.
 * The share, not a fixed reserve, so the rule holds for any configured timeout.
 */
import type { Context } from 'aws-lambda';
import { INGEST_CUTOFF_SHARE } from '../../shared/limits.js';

export type RemainingTime = Pick<Context, 'getRemainingTimeInMillis'>;

/** A check to make before taking each next message: false once the time left is short. Always true without a context. */
export function timeToTakeMore(context: RemainingTime | undefined): () => boolean {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return () => true;
  const reserve = Math.floor(context.getRemainingTimeInMillis() * (1 - INGEST_CUTOFF_SHARE));
  let open = true;
  return () => {
    open &&= context.getRemainingTimeInMillis() >= reserve;
    return open;
  };
}
