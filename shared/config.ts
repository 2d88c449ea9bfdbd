/**
 * The functions' settings: environment variables, validated by zod schemas once, when a function starts (its
 * Lambda entry) or a local environment is made (with the settings given to it). A missing or malformed
 * variable fails at start-up with its name and what is expected; every such problem is named at once.
 */
import * as z from 'zod/mini';
import { parseHubs } from './websub.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

/** A variable's text, trimmed; undefined when unset or blank. */
const text = z.pipe(
  z.optional(z.string()),
  z.transform((v) => v?.trim() || undefined),
);

const required = (name: string) =>
  z.pipe(text, z.string({ error: `environment variable ${name} is required` }));

const integer = (name: string, fallback: number, min: number, max: number) => {
  const range = (issue: { input?: unknown }) =>
    `${name} must be between ${min} and ${max}, got ${issue.input}`;
  const whole = z
    .string()
    .check(z.regex(/^\d+$/, { error: (issue) => `${name} must be a whole number, got "${issue.input}"` }));
  const bounded = z.number().check(z.minimum(min, { error: range }), z.maximum(max, { error: range }));
  return z.pipe(text, z._default(z.pipe(whole, z.pipe(z.transform(Number), bounded)), fallback));
};

/** Whether `raw` is an absolute http(s) URL. */
const isHttpUrl = (raw: string) => /^https?:$/.test(URL.parse(raw)?.protocol ?? '');

/** An absolute http(s) URL, without its trailing slashes; undefined when unset. */
const optionalUrl = (name: string) =>
  z.pipe(
    text,
    z.optional(
      z.pipe(
        z.string().check(
          z.refine(isHttpUrl, {
            error: (issue) => `${name} must be an absolute http(s) URL, got "${issue.input}"`,
          }),
        ),
        z.transform((raw) => new URL(raw).href.replace(/\/+$/, '')),
      ),
    ),
  );

/** WEBSUB_HUBS: comma-separated absolute http(s) URLs of WebSub hubs; none when unset. */
const hubs = z.pipe(
  text,
  z.transform((raw, ctx) => {
    try {
      return parseHubs(raw);
    } catch (e) {
      ctx.issues.push({
        code: 'custom',
        input: raw,
        message: `WEBSUB_HUBS must be comma-separated absolute http(s) URLs: ${(e as Error).message}`,
      });
      return z.NEVER;
    }
  }),
);

/** Parses `env` with `schema`; every problem found becomes one line of a ConfigError. */
function parse<T>(schema: z.ZodMiniType<T>, env: Env): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => issue.message).join('; '));
}

export interface IngestConfig {
  tableName: string;
  /** Objects larger than this are rejected from the event's size, before downloading. */
  maxObjectBytes: number;
  /** The publish queue that hears of the feeds each batch changed (set only when WebSub hubs are configured). */
  publishQueueUrl?: string;
}

// Each schema is made by the function that reads it (once per process): a function's bundle then builds only
// its own at cold start.
const ingestSchema = () =>
  z.object({
    TABLE_NAME: required('TABLE_NAME'),
    MAX_OBJECT_BYTES: integer('MAX_OBJECT_BYTES', 1024 * 1024, 1, 64 * 1024 * 1024),
    PUBLISH_QUEUE_URL: optionalUrl('PUBLISH_QUEUE_URL'),
  });

export function readIngestConfig(env: Env = process.env): IngestConfig {
  const v = parse(ingestSchema(), env);
  return {
    tableName: v.TABLE_NAME,
    maxObjectBytes: v.MAX_OBJECT_BYTES,
    publishQueueUrl: v.PUBLISH_QUEUE_URL,
  };
}

/** Where the SDK clients send their requests: AWS's endpoints unless set (the local servers). */
export interface Endpoints {
  dynamo?: string;
  s3?: string;
}

const endpointsSchema = () =>
  z.object({
    DYNAMODB_ENDPOINT: optionalUrl('DYNAMODB_ENDPOINT'),
    S3_ENDPOINT: optionalUrl('S3_ENDPOINT'),
  });

export function readEndpoints(env: Env = process.env): Endpoints {
  const v = parse(endpointsSchema(), env);
  return { dynamo: v.DYNAMODB_ENDPOINT, s3: v.S3_ENDPOINT };
}

export interface ReconcileConfig extends IngestConfig {
  /** The articles bucket the scheduled reconcile lists. */
  bucket: string;
  /** Pause before a drifted topic counter is confirmed and corrected (see recountTopics). */
  settleSeconds: number;
}

const reconcileSchema = () =>
  z.object({
    BUCKET_NAME: required('BUCKET_NAME'),
    RECOUNT_SETTLE_SECONDS: integer('RECOUNT_SETTLE_SECONDS', 60, 0, 600),
  });

export function readReconcileConfig(env: Env = process.env): ReconcileConfig {
  const { publishQueueUrl: _ignored, ...ingest } = readIngestConfig(env);
  const v = parse(reconcileSchema(), env);
  return { ...ingest, bucket: v.BUCKET_NAME, settleSeconds: v.RECOUNT_SETTLE_SECONDS };
}

/** The most topics a merged feed's URL may name (FEED_MAX_MERGED_TOPICS lowers it). */
export const MAX_MERGED_TOPICS = 20;
/** Defaults of FEED_MAX_MERGED_TOPICS and FEED_MERGED_MAX_LIMIT: a merged page reads at most 10 × 51 entries. */
export const MERGED_DEFAULTS = { maxMergedTopics: 10, mergedMaxLimit: 50 } as const;

/** Top stories rank this many days up to a feed's newest article by default (FEED_TOP_WINDOW_DAYS). */
export const DEFAULT_TOP_WINDOW_DAYS = 7;

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

const maxLimitSchema = () => z.object({ FEED_MAX_LIMIT: integer('FEED_MAX_LIMIT', 200, 1, 1000) });

/** The feeds' settings; the bounds of the page sizes depend on FEED_MAX_LIMIT, read first. */
const feedsSchema = (maxLimit: number) =>
  z.object({
    TABLE_NAME: required('TABLE_NAME'),
    SITE_TITLE: z.pipe(
      text,
      z.transform((v) => v ?? 'feedbucket'),
    ),
    PUBLIC_BASE_URL: optionalUrl('PUBLIC_BASE_URL'),
    FEED_MAX_AGE: integer('FEED_MAX_AGE', 300, 0, 86_400),
    FEED_STALE_WHILE_REVALIDATE: integer('FEED_STALE_WHILE_REVALIDATE', 3600, 0, 604_800),
    FEED_STALE_IF_ERROR: integer('FEED_STALE_IF_ERROR', 86_400, 0, 604_800),
    FEED_DEFAULT_LIMIT: integer('FEED_DEFAULT_LIMIT', 50, 1, maxLimit),
    FEED_MAX_MERGED_TOPICS: integer(
      'FEED_MAX_MERGED_TOPICS',
      MERGED_DEFAULTS.maxMergedTopics,
      1,
      MAX_MERGED_TOPICS,
    ),
    FEED_MERGED_MAX_LIMIT: integer(
      'FEED_MERGED_MAX_LIMIT',
      Math.min(MERGED_DEFAULTS.mergedMaxLimit, maxLimit),
      1,
      maxLimit,
    ),
    FEED_METADATA_REUSE_MS: integer('FEED_METADATA_REUSE_MS', 250, 0, 10_000),
    WEBSUB_HUBS: hubs,
    FEED_TOP_WINDOW_DAYS: integer('FEED_TOP_WINDOW_DAYS', DEFAULT_TOP_WINDOW_DAYS, 1, 365),
  });

export function readFeedsConfig(env: Env = process.env): FeedsConfig {
  const maxLimit = parse(maxLimitSchema(), env).FEED_MAX_LIMIT;
  const v = parse(feedsSchema(maxLimit), env);
  return {
    tableName: v.TABLE_NAME,
    siteTitle: v.SITE_TITLE,
    publicBaseUrl: v.PUBLIC_BASE_URL,
    maxAge: v.FEED_MAX_AGE,
    staleWhileRevalidate: v.FEED_STALE_WHILE_REVALIDATE,
    staleIfError: v.FEED_STALE_IF_ERROR,
    defaultLimit: v.FEED_DEFAULT_LIMIT,
    maxLimit,
    maxMergedTopics: v.FEED_MAX_MERGED_TOPICS,
    mergedMaxLimit: v.FEED_MERGED_MAX_LIMIT,
    metadataReuseMs: v.FEED_METADATA_REUSE_MS,
    hubs: v.WEBSUB_HUBS,
    topWindowDays: v.FEED_TOP_WINDOW_DAYS,
  };
}

/** WEBSUB_HUBS: comma-separated absolute http(s) URLs of WebSub hubs; none when unset. */
export function readWebSubHubs(env: Env = process.env): string[] {
  return parse(z.object({ WEBSUB_HUBS: hubs }), env).WEBSUB_HUBS;
}

export interface PublishConfig {
  hubs: string[];
  /** The feeds' public base URL: the self URLs pinged are under it. */
  publicBaseUrl: string;
  /** The CloudFront distribution whose cached feeds are invalidated before the hubs are pinged (AWS only). */
  distributionId?: string;
}

const publishSchema = () =>
  z.object({
    WEBSUB_HUBS: hubs,
    PUBLIC_BASE_URL: z.pipe(
      optionalUrl('PUBLIC_BASE_URL'),
      z.string({ error: 'environment variable PUBLIC_BASE_URL is required' }),
    ),
    DISTRIBUTION_ID: text,
  });

export function readPublishConfig(env: Env = process.env): PublishConfig {
  const v = parse(publishSchema(), env);
  return { hubs: v.WEBSUB_HUBS, publicBaseUrl: v.PUBLIC_BASE_URL, distributionId: v.DISTRIBUTION_ID };
}
