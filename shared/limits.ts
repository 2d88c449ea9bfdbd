/**
 * The time limits, memory and retry budgets of the deployed functions, in one place: the CDK stack
 * configures AWS with them and the local stack enforces the same ones (handler time limit, memory, receive
 * count before the dead-letter queue), so a budget that does not fit shows on a laptop too. Plain numbers:
 * no CDK import here.
 */

/** The ingest function's timeout (Lambda stops an invocation at this point; the whole batch returns to the queue). */
export const INGEST_TIMEOUT_S = 30;
/** The feeds function's timeout. */
export const FEEDS_TIMEOUT_S = 10;
/** The functions' memory unless configured otherwise (MB, Lambda's MB being MiB). */
export const FUNCTION_MEMORY_MB = 512;
/** SQS redrive policy: receives of a message before SQS moves it to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** AWS guidance for SQS event sources: a visibility timeout of at least six times the function timeout. */
export const QUEUE_VISIBILITY_TIMEOUT_S = INGEST_TIMEOUT_S * 6;

/**
 * What one SDK call may cost. Attempts bound the SDK's own back-off (the standard strategy: full jitter over
 * 100 ms x 2^n, or 500 ms x 2^n for throttling), and each attempt is cut at `requestTimeoutMs`:
 * - ingest, 5 attempts: back-off at most 0.5 + 1 + 2 + 4 = 7.5 s when throttled; one call at most about
 *   5 x 3 s + 7.5 s, and the handler takes no new message in the last third of its time (see its handler);
 * - feeds, 3 attempts: back-off at most 1.5 s; the handler answers 503 with Retry-After a second before its
 *   own timeout whatever the calls still do (functions/feeds/lambda.ts).
 */
export interface SdkBudget {
  maxAttempts: number;
  /** Whole request and response of one attempt (ms); a TimeoutError (retried) beyond it. */
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
}

export const INGEST_SDK_BUDGET: SdkBudget = {
  maxAttempts: 5,
  requestTimeoutMs: 3000,
  connectionTimeoutMs: 1000,
};
export const FEEDS_SDK_BUDGET: SdkBudget = {
  maxAttempts: 3,
  requestTimeoutMs: 3000,
  connectionTimeoutMs: 1000,
};

/** The share of an invocation's time after which ingest takes no new message (the rest are reported failed). */
export const INGEST_CUTOFF_SHARE = 2 / 3;
/** How long before its timeout the feeds function gives up and answers 503 (ms). */
export const FEEDS_DEADLINE_MARGIN_MS = 1000;
/** Retry-After of a 503 (s). */
export const RETRY_AFTER_S = 5;
