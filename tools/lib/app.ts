/** The real feeds app and ingest core in the tools' own process, quiet and with fixed settings. */
import { LOCAL_REGION, S3RVER_CREDENTIALS } from '../../local/function-env.js';
import { createFeedsApp, type FeedsApp, type FeedsAppOptions } from '../../shared/feeds/app.js';
import { Ingester, type IngesterOptions } from '../../shared/ingest/ingester.js';
import type { StoredObject } from '../../shared/ingest/objects.js';
import type { Log } from '../../shared/logger.js';
import type { FeedStore } from '../../shared/store/types.js';

/** The environment a handler of the tools starts with: the local servers' region and keys, quiet. */
export const HANDLER_ENV = {
  TABLE_NAME: 'feedbucket',
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
  LOG_LEVEL: 'SILENT',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

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

/** The ingest core over `store`, reading objects from a map (key → object) unless given an S3 port. */
export const toolsIngester = (
  store: IngesterOptions['store'],
  objects: Map<string, StoredObject> | IngesterOptions['objects'],
  extra: Partial<IngesterOptions> = {},
) =>
  new Ingester({
    store,
    objects: objects instanceof Map ? { get: async (_bucket, key) => objects.get(key) } : objects,
    log: QUIET,
    maxObjectBytes: 1024 * 1024,
    ...extra,
  });
