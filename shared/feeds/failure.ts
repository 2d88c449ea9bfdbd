/** Answers other than a resource: refusals with a reason a person can act on, and failures mapped to one. */
import { isThrottling } from '../errors.js';
import { RETRY_AFTER_S } from '../limits.js';
import type { Log } from '../logger.js';
import { NO_STORE } from './conditional.js';
import type { FeedsRequest, FeedsResponse } from './request.js';

/** An answer other than 200, with a reason a person can act on. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A short plain-text answer (the message and a newline); `headers` add to or replace the defaults. */
export function plain(status: number, message: string, headers: Record<string, string> = {}): FeedsResponse {
  const body = `${message}\n`;
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': NO_STORE,
      'x-content-type-options': 'nosniff',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
    body,
  };
}

/** Every failure becomes an answer and a log line with the request path; never a stack trace. */
export function failure(log: Log, req: FeedsRequest, e: unknown): FeedsResponse {
  const path = req.path;
  if (e instanceof HttpError) {
    log.warn('request refused', { path, status: e.status, reason: e.message });
    const res = plain(e.status, e.message, e.headers);
    return req.method === 'HEAD' ? { ...res, body: '' } : res;
  }
  if (isThrottling(e)) {
    log.error('store throttled the request', { path, error: e });
    return plain(503, 'The feed store is busy; try again in a few seconds.', {
      'retry-after': String(RETRY_AFTER_S),
    });
  }
  log.error('request failed', { path, error: e });
  return plain(500, 'Internal error: the feed could not be served. Try again later.');
}
