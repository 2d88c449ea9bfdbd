/** The real feeds app and ingest core in the tools' own process, quiet and with fixed settings. */
import { createFeedsApp, type FeedsApp, type FeedsAppOptions } from '../../shared/feeds/app.js';
import { Ingester, type IngesterOptions } from '../../shared/ingest/ingester.js';
import type { Log } from '../../shared/logger.js';
import type { FeedStore } from '../../shared/store/types.js';

export const QUIET: Log = { debug() {}, info() {}, warn() {}, error() {} };

export const FEEDS_CONFIG = {
  siteTitle: 'feedbucket',
  publicBaseUrl: 'https://feeds.example.org',
  maxAge: 300,
  staleWhileRevalidate: 3600,
  defaultLimit: 50,
  maxLimit: 200,
};

export const toolsFeedsApp = (
  store: FeedStore,
  options: Partial<Pick<FeedsAppOptions, 'metaTtlMs' | 'cacheBytes' | 'config'>> = {},
): FeedsApp => createFeedsApp({ store, config: FEEDS_CONFIG, log: QUIET, ...options });

/** The ingest core over `store`, reading objects through `objects`. */
export const toolsIngester = (store: IngesterOptions['store'], objects: IngesterOptions['objects']) =>
  new Ingester({ store, objects, log: QUIET, maxObjectBytes: 1024 * 1024 });
