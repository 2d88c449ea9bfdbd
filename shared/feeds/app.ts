/**
 * The feeds HTTP app as a plain function: request in, response out. It knows nothing of Lambda (the adapters
 * in functions/feeds/lambda.ts and local/function-url.ts map their requests) and reads only through FeedStore.
 *
 * This file is the composition: the route table (one module per route kind in kinds/, each owning how it
 * reads and renders), the shared context, and the steps every request takes (method, base URL, route,
 * failure). A feed request costs one metadata read, which gives the validators: a conditional request is
 * answered 304 from it alone, and a warm cache answers from memory with the bytes already rendered and
 * compressed (conditional.ts). The hot path (metadata fresh, body cached) runs synchronously.
 */
import { type FeedsConfig, MERGED_DEFAULTS } from '../config.js';
import type { Log } from '../logger.js';
import type { FeedStore } from '../store/types.js';
import { Memo, RenderCache } from './cache.js';
import { Conditional, cacheControlOf } from './conditional.js';
import { cursorCodec } from './cursor.js';
import { failure, HttpError } from './failure.js';
import { requestBaseUrl } from './http.js';
import { feedRoute } from './kinds/feed.js';
import { indexPageRoute } from './kinds/index-page.js';
import type { Answer, FeedsContext, RouteHandler, RouteTable } from './kinds/kind.js';
import { opmlRoute } from './kinds/opml.js';
import { providersJsonRoute } from './kinds/providers-json.js';
import { redirectRoute } from './kinds/redirect.js';
import { badRequestRoute, notFoundRoute } from './kinds/refusals.js';
import { topicPageRoute } from './kinds/topic-page.js';
import { topicsJsonRoute } from './kinds/topics-json.js';
import { Snapshots } from './metadata.js';
import type { FeedsApp, FeedsRequest, FeedsResponse } from './request.js';
import type { Route } from './routes.js';
import { parseAnyRoute } from './tailored-routes.js';

export type { FeedsApp, FeedsRequest, FeedsResponse } from './request.js';

/** The route table: one handler per kind of route (a new kind is a module in kinds/ and a line here). */
const routeTable = (ctx: FeedsContext): RouteTable => ({
  feed: feedRoute(ctx),
  'provider-feed': feedRoute(ctx),
  'top-feed': feedRoute(ctx),
  page: topicPageRoute(ctx),
  'provider-page': topicPageRoute(ctx),
  index: indexPageRoute(ctx),
  'topics-json': topicsJsonRoute(ctx),
  'providers-json': providersJsonRoute(ctx),
  opml: opmlRoute(ctx),
  redirect: redirectRoute,
  'not-found': notFoundRoute,
  'bad-request': badRequestRoute,
});

export interface FeedsAppOptions {
  store: FeedStore;
  config: Omit<FeedsConfig, 'tableName'>;
  log: Log;
  /**
   * How long topic metadata read for one request serves others (ms); by default the config's
   * `metadataReuseMs` (FEED_METADATA_REUSE_MS: 250 in AWS, 50 in the local stack). A quarter of a second turns
   * a burst of requests into one read while a new article still shows well within a second of its upload.
   * 0 reads on every request.
   */
  metaTtlMs?: number;
  /** Memory for rendered bodies, in bytes. */
  cacheBytes?: number;
  /** Key of the cursors' MAC (any string; cursors made with another key are refused). */
  cursorKey?: string;
  /** BCP 47 language of the articles, written into the feeds when given. */
  language?: string;
  /** Milliseconds clock, for the metadata reuse only (never for output). */
  now?: () => number;
}

function contextOf(options: FeedsAppOptions): FeedsContext {
  const { config } = options;
  const lang = options.language;
  return {
    store: options.store,
    config,
    snapshots: new Snapshots(
      options.store,
      options.metaTtlMs ?? config.metadataReuseMs ?? 250,
      options.now ?? Date.now,
    ),
    conditional: new Conditional(
      new RenderCache(options.cacheBytes ?? 64 * 1024 * 1024),
      cacheControlOf(config),
    ),
    cursors: cursorCodec(options.cursorKey ?? 'feedbucket cursors'),
    language: lang && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang) ? lang : undefined,
    ttlMinutes: config.maxAge >= 60 ? Math.round(config.maxAge / 60) : undefined,
    maxMergedTopics: config.maxMergedTopics ?? MERGED_DEFAULTS.maxMergedTopics,
    mergedMaxLimit: Math.min(config.mergedMaxLimit ?? MERGED_DEFAULTS.mergedMaxLimit, config.maxLimit),
  };
}

export function createFeedsApp(options: FeedsAppOptions): FeedsApp {
  const ctx = contextOf(options);
  const table = routeTable(ctx);
  const { publicBaseUrl } = ctx.config;
  const basePath = publicBaseUrl ? new URL(publicBaseUrl).pathname.replace(/\/+$/, '') : '';
  // Pure functions of request strings, memoized: a path's route, and the base URL of a set of host headers.
  const routes = new Memo<Route>(1024);
  const bases = new Memo<string>(256);

  /** The path under the configured base URL's path, if it has one. */
  const localPath = (raw: string): string => {
    const path = raw || '/';
    if (!basePath || (path !== basePath && !path.startsWith(`${basePath}/`))) return path;
    return path.slice(basePath.length) || '/';
  };

  /** The public base URL: configured, else from the request's headers ('' when they name no valid host). */
  const baseUrl = (headers: Record<string, string | undefined>): string => {
    if (publicBaseUrl) return publicBaseUrl;
    const key = `${headers['x-forwarded-proto'] ?? ''}|${headers['x-forwarded-host'] ?? ''}|${headers.host ?? ''}`;
    return bases.get(key, () => requestBaseUrl(headers) ?? '');
  };

  const route = (req: FeedsRequest): Answer => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `${req.method} is not supported here: feeds are read with GET or HEAD`, {
        allow: 'GET, HEAD',
      });
    }
    const base = baseUrl(req.headers ?? {});
    if (!base) throw new HttpError(400, 'the Host header is missing or is not a host name');
    const r = routes.get(localPath(req.path), parseAnyRoute);
    return (table[r.kind] as RouteHandler)(req, r, base);
  };

  const serve = (req: FeedsRequest): Answer => {
    try {
      const out = route(req);
      return out instanceof Promise ? out.catch((e: unknown) => failure(options.log, req, e)) : out;
    } catch (e) {
      return failure(options.log, req, e);
    }
  };
  const app = (req: FeedsRequest): Promise<FeedsResponse> => {
    const out = serve(req);
    return out instanceof Promise ? out : Promise.resolve(out);
  };
  return Object.assign(app, { serve, tableChanged: () => ctx.snapshots.clear() });
}
