/** The real feeds app for rows that call it in-process (no HTTP), with the bench's fixed settings. */
import { createFeedsApp, type FeedsApp, type FeedsAppOptions } from '../../../shared/feeds/app.js';
import type { FeedStore } from '../../../shared/store/types.js';

const quiet = () => {};
export const QUIET_LOG = { debug: quiet, info: quiet, warn: quiet, error: quiet };

export function benchFeedsApp(
  store: FeedStore,
  options: Pick<FeedsAppOptions, 'metaTtlMs' | 'cacheBytes'> = {},
): FeedsApp {
  return createFeedsApp({
    store,
    config: {
      siteTitle: 'feedbucket',
      publicBaseUrl: 'https://feeds.example.org',
      maxAge: 300,
      staleWhileRevalidate: 3600,
      defaultLimit: 50,
      maxLimit: 200,
    },
    log: QUIET_LOG,
    ...options,
  });
}
