import { parseHubs } from './websub.js';

/**
 * Settings, read from the environment and validated once at module load of each function.
 * A missing or malformed variable fails at start-up with its name and what is expected.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const v = env[name]?.trim();
  if (!v) throw new ConfigError(`environment variable ${name} is required`);
  return v;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function optionalUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  return url.href.replace(/\/+$/, '');
}

export interface IngestConfig {
  tableName: string;
  /** Objects larger than this are rejected from the event's size, before downloading. */
  maxObjectBytes: number;
}

export function readIngestConfig(env: Env = process.env): IngestConfig {
  return {
    tableName: required(env, 'TABLE_NAME'),
    maxObjectBytes: integer(env, 'MAX_OBJECT_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
  };
}

export interface ReconcileConfig extends IngestConfig {
  /** The articles bucket the scheduled reconcile lists. */
  bucket: string;
  /** Pause before a drifted topic counter is confirmed and corrected (see recountTopics). */
  settleSeconds: number;
}

export function readReconcileConfig(env: Env = process.env): ReconcileConfig {
  return {
    ...readIngestConfig(env),
    bucket: required(env, 'BUCKET_NAME'),
    settleSeconds: integer(env, 'RECOUNT_SETTLE_SECONDS', 60, 0, 600),
  };
}

/** The most topics a merged feed's URL may name (FEED_MAX_MERGED_TOPICS lowers it). */
export const MAX_MERGED_TOPICS = 20;
/** Defaults of FEED_MAX_MERGED_TOPICS and FEED_MERGED_MAX_LIMIT: a merged page reads at most 10 × 51 entries. */
export const MERGED_DEFAULTS = { maxMergedTopics: 10, mergedMaxLimit: 50 } as const;

export interface FeedsConfig {
  tableName: string;
  siteTitle: string;
  /** Public base URL of the feeds (no trailing slash); when absent it is derived from each request. */
  publicBaseUrl?: string;
  /** Cache-Control max-age of feeds, in seconds. */
  maxAge: number;
  /** Cache-Control stale-while-revalidate, in seconds. */
  staleWhileRevalidate: number;
  /** Cache-Control stale-if-error, in seconds: how long a cache may serve the last good copy while the origin fails. */
  staleIfError?: number;
  defaultLimit: number;
  maxLimit: number;
  /** The most topics one merged feed combines (each is one Query per page). */
  maxMergedTopics?: number;
  /** The most articles a page of a merged feed holds (each topic's Query reads up to this many). */
  mergedMaxLimit?: number;
  /**
   * How long a topic's metadata read from the table answers other requests (ms): requests close together
   * share one GetItem; a change shows after at most this long.
   */
  metadataReuseMs?: number;
  /** WebSub hubs announced in every feed (WEBSUB_HUBS); none by default. */
  hubs?: string[];
  /** Top stories rank the articles of this many days up to a feed's newest (FEED_TOP_WINDOW_DAYS, 7). */
  topWindowDays?: number;
}

export function readFeedsConfig(env: Env = process.env): FeedsConfig {
  const maxLimit = integer(env, 'FEED_MAX_LIMIT', 200, 1, 1000);
  return {
    tableName: required(env, 'TABLE_NAME'),
    siteTitle: env.SITE_TITLE?.trim() || 'feedbucket',
    publicBaseUrl: optionalUrl(env, 'PUBLIC_BASE_URL'),
    maxAge: integer(env, 'FEED_MAX_AGE', 300, 0, 86_400),
    staleWhileRevalidate: integer(env, 'FEED_STALE_WHILE_REVALIDATE', 3600, 0, 604_800),
    staleIfError: integer(env, 'FEED_STALE_IF_ERROR', 86_400, 0, 604_800),
    defaultLimit: integer(env, 'FEED_DEFAULT_LIMIT', 50, 1, maxLimit),
    maxLimit,
    maxMergedTopics: integer(
      env,
      'FEED_MAX_MERGED_TOPICS',
      MERGED_DEFAULTS.maxMergedTopics,
      1,
      MAX_MERGED_TOPICS,
    ),
    mergedMaxLimit: integer(
      env,
      'FEED_MERGED_MAX_LIMIT',
      Math.min(MERGED_DEFAULTS.mergedMaxLimit, maxLimit),
      1,
      maxLimit,
    ),
    metadataReuseMs: integer(env, 'FEED_METADATA_REUSE_MS', 250, 0, 10_000),
    hubs: readWebSubHubs(env),
    topWindowDays: integer(env, 'FEED_TOP_WINDOW_DAYS', 7, 1, 365),
  };
}

/** WEBSUB_HUBS: comma-separated absolute http(s) URLs of WebSub hubs; none when unset. */
export function readWebSubHubs(env: Env = process.env): string[] {
  try {
    return parseHubs(env.WEBSUB_HUBS);
  } catch (e) {
    throw new ConfigError(
      `WEBSUB_HUBS must be comma-separated absolute http(s) URLs: ${(e as Error).message}`,
    );
  }
}

export interface PublishConfig {
  hubs: string[];
  /** The feeds' public base URL: the self URLs pinged are under it. */
  publicBaseUrl: string;
  /** The CloudFront distribution whose cached feeds are invalidated before the hubs are pinged (AWS only). */
  distributionId?: string;
}

export function readPublishConfig(env: Env = process.env): PublishConfig {
  const publicBaseUrl = optionalUrl(env, 'PUBLIC_BASE_URL');
  if (!publicBaseUrl) throw new ConfigError('environment variable PUBLIC_BASE_URL is required');
  return {
    hubs: readWebSubHubs(env),
    publicBaseUrl,
    distributionId: env.DISTRIBUTION_ID?.trim() || undefined,
  };
}
