/**
 * Named domain errors. Each carries a reason a person can act on; where it is mapped to a log line or an
 * HTTP answer is decided in one place per function, not here.
 */

/**
 * The file can never become an article as it is: the user must change it. Never retried.
 * `reason` is a whole sentence that names the field it is about.
 */
export class InvalidArticleError extends Error {
  override readonly name = 'InvalidArticleError';
  constructor(
    readonly reason: string,
    readonly field?: string,
  ) {
    super(reason);
  }
}

/** A write lost a race with a concurrent writer of the same item; the caller re-reads and tries again. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

export const isInvalidArticle = (e: unknown): e is InvalidArticleError => e instanceof InvalidArticleError;

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
/** An AWS refusal for throughput (by name, or as the SDK marks it): nothing of such a request was applied. */
export const isThrottling = (e: unknown): boolean => {
  const err = e as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return THROTTLING.has(err?.name ?? '') || err?.$retryable?.throttling === true;
};
