/**
 * The feeds HTTP app as a plain function: request in, response out. It knows nothing of Lambda (handler.ts
 * adapts events) and reads only through FeedStore.
 *
 * A feed request costs one metadata read (GetItem, or BatchGetItem for merged topics), which gives the
 * ETag and Last-Modified: a conditional request is answered 304 from it alone, and a warm cache answers
 * from memory with the bytes already rendered and compressed. Only a miss queries entries and renders.
 */
import { createHash } from 'node:crypto';
import type { FeedsConfig } from '../../shared/config.js';
import type { Log } from '../../shared/logger.js';
import { ALL, type TopicMeta } from '../../shared/model.js';
import type { FeedStore } from '../../shared/store/types.js';
import { buildRendered, RenderCache, type Rendered, representation } from './cache.js';
import { CursorError, cursorCodec } from './cursor.js';
import {
  type Encoding,
  etagFor,
  httpDate,
  negotiateEncoding,
  noneMatch,
  notModifiedSince,
  requestBaseUrl,
} from './http.js';
import { readPage } from './pages.js';
import { renderAtom } from './render/atom.js';
import type { FeedDocument, FeedFormat, FeedLinks } from './render/document.js';
import { safeEntry } from './render/entry.js';
import { renderJson } from './render/json.js';
import { renderOpml, renderTopicsJson, type SiteListing } from './render/listing.js';
import { PAGE_CSP, renderIndexPage, renderTopicPage } from './render/pages.js';
import { renderRss } from './render/rss.js';
import { feedPath, parseRoute, type Route, topicPath } from './routes.js';

/** Bump when rendered output changes for the same data: it is part of every ETag. */
const RENDER_VERSION = '1';

export interface FeedsRequest {
  method: string;
  /** The path as received (percent-encoded), without the query. */
  path: string;
  query?: URLSearchParams | Record<string, string | undefined>;
  /** Lower-case header names. */
  headers?: Record<string, string | undefined>;
}

export interface FeedsResponse {
  status: number;
  headers: Record<string, string>;
  /** Text, or content-coded bytes (a Buffer: the Lambda adapter sends those base64-encoded). */
  body: string | Buffer;
}

export type FeedsApp = (req: FeedsRequest) => Promise<FeedsResponse>;

export interface FeedsAppOptions {
  store: FeedStore;
  config: Omit<FeedsConfig, 'tableName'>;
  log: Log;
  /**
   * How long topic metadata read for one request serves others (ms). Feeds are cacheable for `maxAge`
   * seconds anyway; a second of reuse turns a burst of polls into one read. 0 reads on every request.
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

const CONTENT_TYPES: Record<FeedFormat | 'html' | 'opml' | 'topics', string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  topics: 'application/json; charset=utf-8',
};

const RENDERERS: Record<FeedFormat, (doc: FeedDocument) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJson,
};

const FORMATS = new Set<string>(['rss', 'atom', 'json']);

/** An answer other than 200, with a reason a person can act on. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const isThrottling = (e: unknown) => {
  const err = e as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return THROTTLING.has(err?.name ?? '') || err?.$retryable?.throttling === true;
};

/** Metadata of the feeds a request reads, and what caching needs from it. */
interface Snapshot {
  metas: Map<string, TopicMeta>;
  /** The revisions the response depends on, as one string. */
  revisions: string;
  /** The newest change (ISO): Last-Modified. */
  lastChange: string;
}

interface Listing extends Snapshot {
  topics: TopicMeta[];
  all?: TopicMeta;
}

/** The latest of ISO times (they sort as text); the epoch for none. */
function maxIso(values: string[]): string {
  let max = new Date(0).toISOString();
  for (const v of values) if (v > max) max = v;
  return max;
}

export function createFeedsApp(options: FeedsAppOptions): FeedsApp {
  const { store, config, log } = options;
  const metaTtl = options.metaTtlMs ?? 1000;
  const now = options.now ?? Date.now;
  const cache = new RenderCache(options.cacheBytes ?? 64 * 1024 * 1024);
  const cursors = cursorCodec(options.cursorKey ?? 'feedbucket cursors');
  const language =
    options.language && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(options.language)
      ? options.language
      : undefined;
  const cacheControl = `public, max-age=${config.maxAge}, stale-while-revalidate=${config.staleWhileRevalidate}`;
  const basePath = config.publicBaseUrl ? new URL(config.publicBaseUrl).pathname.replace(/\/+$/, '') : '';
  const ttlMinutes = config.maxAge >= 60 ? Math.round(config.maxAge / 60) : undefined;

  // ---- metadata, reused for metaTtl ms (and shared by concurrent requests) ----

  const fresh = new Map<string, { at: number; value: Promise<Snapshot | Listing> }>();
  function reuse<T extends Snapshot>(key: string, load: () => Promise<T>): Promise<T> {
    const t = now();
    const hit = fresh.get(key);
    if (hit && t - hit.at < metaTtl) return hit.value as Promise<T>;
    const value = load();
    if (metaTtl > 0) {
      if (fresh.size > 10_000) fresh.clear();
      fresh.set(key, { at: t, value });
      value.catch(() => fresh.delete(key));
    }
    return value;
  }

  const snapshotOf = (feeds: string[]) =>
    reuse(`f:${feeds.join(',')}`, async (): Promise<Snapshot> => {
      const [only] = feeds;
      const metas =
        feeds.length === 1 && only !== undefined
          ? new Map((await store.getTopic(only).then((m) => (m ? [m] : []))).map((m) => [m.slug, m]))
          : await store.getTopics(feeds);
      return {
        metas,
        revisions: feeds.map((f) => `${f}:${metas.get(f)?.revision ?? 0}`).join(','),
        lastChange: maxIso(feeds.map((f) => metas.get(f)?.lastChange ?? '')),
      };
    });

  const listing = () =>
    reuse('listing', async (): Promise<Listing> => {
      const [topics, all] = await Promise.all([store.listTopics(), store.getTopic(ALL)]);
      topics.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
      const digest = createHash('sha1');
      for (const t of topics) digest.update(`${t.slug}:${t.revision}:${t.count}\n`);
      return {
        metas: new Map(topics.map((t) => [t.slug, t])),
        topics,
        all,
        revisions: `${all?.revision ?? 0}:${digest.digest('base64url')}`,
        lastChange: maxIso([all?.lastChange ?? '', ...topics.map((t) => t.lastChange)]),
      };
    });

  // ---- links ----

  const queryString = (params: Record<string, string | undefined>) => {
    const parts = Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`);
    return parts.length ? `?${parts.join('&')}` : '';
  };
  const feedLinks = (base: string, feeds: string[], query: string): FeedLinks => ({
    rss: `${base}${feedPath(feeds, 'rss')}${query}`,
    atom: `${base}${feedPath(feeds, 'atom')}${query}`,
    json: `${base}${feedPath(feeds, 'json')}${query}`,
  });
  const isAll = (feeds: string[]) => feeds.length === 1 && feeds[0] === ALL;
  const htmlUrl = (base: string, feeds: string[]) =>
    isAll(feeds) ? `${base}/` : `${base}${topicPath(feeds)}`;

  function siteListing(base: string, l: Listing): SiteListing {
    return {
      siteTitle: config.siteTitle,
      homeUrl: `${base}/`,
      topicsJsonUrl: `${base}/topics.json`,
      opmlUrl: `${base}/feeds.opml`,
      all: feedLinks(base, [ALL], ''),
      allCount: l.all?.count ?? 0,
      lastChange: l.lastChange,
      topics: l.topics.map((t) => ({
        slug: t.slug,
        name: t.name,
        count: t.count,
        lastChange: t.lastChange,
        htmlUrl: `${base}${topicPath([t.slug])}`,
        feeds: feedLinks(base, [t.slug], ''),
      })),
    };
  }

  // ---- responses ----

  const tagOf = (variant: string, revisions: string) =>
    createHash('sha1').update(`${RENDER_VERSION}\n${variant}\n${revisions}`).digest('base64url').slice(0, 27);

  function okHeaders(type: keyof typeof CONTENT_TYPES, lastChange: string): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[type],
      'cache-control': cacheControl,
      'last-modified': httpDate(lastChange),
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    if (type === 'html') {
      headers['content-security-policy'] = PAGE_CSP;
      headers['referrer-policy'] = 'strict-origin-when-cross-origin';
    } else {
      headers['access-control-allow-origin'] = '*';
    }
    return headers;
  }

  /**
   * The common path of every cacheable answer: 304 when the client has it, else the cached or freshly
   * rendered representation in the best encoding the client accepts.
   */
  async function answer(
    req: FeedsRequest,
    variant: string,
    snap: Snapshot,
    type: keyof typeof CONTENT_TYPES,
    render: () => Promise<string>,
  ): Promise<FeedsResponse> {
    const headers = req.headers ?? {};
    const encoding: Encoding = negotiateEncoding(headers['accept-encoding']);
    const cached = cache.get(variant, snap.revisions);
    const tag = cached?.tag ?? tagOf(variant, snap.revisions);
    const inm = headers['if-none-match'];
    const ims = headers['if-modified-since'];
    if (
      inm !== undefined ? noneMatch(inm, tag) : ims !== undefined && notModifiedSince(ims, snap.lastChange)
    ) {
      return {
        status: 304,
        headers: {
          etag: etagFor(tag, encoding),
          'cache-control': cacheControl,
          'last-modified': httpDate(snap.lastChange),
          vary: 'Accept-Encoding',
        },
        body: '',
      };
    }
    const rendered: Rendered =
      cached ??
      (await cache.getOrRender(variant, snap.revisions, async () =>
        buildRendered(await render(), tag, snap.revisions, okHeaders(type, snap.lastChange)),
      ));
    const rep = representation(rendered, encoding);
    return {
      status: 200,
      headers: { ...rep.headers },
      body: req.method === 'HEAD' ? '' : (rep.text ?? rep.body),
    };
  }

  function parseLimit(raw: string | undefined): number {
    if (raw === undefined) return config.defaultLimit;
    const n = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= 1 && n <= config.maxLimit)) {
      throw new HttpError(
        400,
        `limit must be a whole number from 1 to ${config.maxLimit}, got "${raw.slice(0, 40)}"`,
      );
    }
    return n;
  }

  async function feedOrPage(
    req: FeedsRequest,
    base: string,
    route: Extract<Route, { kind: 'feed' | 'page' }>,
    param: (name: string) => string | undefined,
  ): Promise<FeedsResponse> {
    const { feeds } = route;
    const limitParam = param('limit');
    const limit = parseLimit(limitParam);
    const cursor = param('cursor');
    const feedKey = feeds.join(',');
    let before: string | undefined;
    if (cursor !== undefined) {
      try {
        before = cursors.decode(feedKey, cursor);
      } catch (e) {
        if (e instanceof CursorError) throw new HttpError(400, e.message);
        throw e;
      }
    }

    const snap = await snapshotOf(feeds);
    const unknown = feeds.filter((f) => f !== ALL && !snap.metas.has(f));
    if (unknown.length > 0) {
      const names = unknown.map((u) => `"${u}"`).join(', ');
      throw new HttpError(
        404,
        `No topic ${names} here. Every topic, with its feeds, is listed at ${base}/topics.json`,
        { 'cache-control': 'public, max-age=60' },
      );
    }

    const format = route.kind === 'feed' ? route.format : 'html';
    const variant = `${format}|${feedKey}|${limitParam ?? ''}|${cursor ?? ''}|${base}`;
    return answer(req, variant, snap, format, async () => {
      const page = await readPage(store, feeds, limit, before);
      const names = feeds.map((f) => (f === ALL ? config.siteTitle : (snap.metas.get(f)?.name ?? f)));
      const topicsBase = `${base}/topics/`;
      const entries = page.entries.map((e) => safeEntry(e, { topicsBase, home: `${base}/` }));
      const nextQuery = page.next
        ? queryString({ limit: limitParam, cursor: cursors.encode(feedKey, page.next) })
        : undefined;
      const count = feeds.reduce((n, f) => n + (snap.metas.get(f)?.count ?? 0), 0);

      if (route.kind === 'page') {
        return renderTopicPage({
          siteTitle: config.siteTitle,
          homeUrl: `${base}/`,
          title: names.join(' + '),
          count,
          feeds: feedLinks(base, feeds, ''),
          topicsBase,
          nextUrl: nextQuery ? `${htmlUrl(base, feeds)}${nextQuery}` : undefined,
          later: before !== undefined,
          entries,
        });
      }
      const all = isAll(feeds);
      return RENDERERS[route.format]({
        title: all ? config.siteTitle : `${names.join(' + ')} · ${config.siteTitle}`,
        description: all
          ? `Every article on ${config.siteTitle}, newest first.`
          : `Articles about ${names.join(', ')} on ${config.siteTitle}, newest first.`,
        siteTitle: config.siteTitle,
        language,
        htmlUrl: htmlUrl(base, feeds),
        id: `${base}${feedPath(feeds, 'atom')}`,
        self: feedLinks(base, feeds, queryString({ limit: limitParam, cursor })),
        next: nextQuery ? feedLinks(base, feeds, nextQuery) : undefined,
        topicsBase,
        lastChange: snap.lastChange,
        ttlMinutes,
        entries,
      });
    });
  }

  async function listed(
    req: FeedsRequest,
    base: string,
    kind: 'index' | 'topics-json' | 'opml',
    param: (name: string) => string | undefined,
  ): Promise<FeedsResponse> {
    const format = kind === 'opml' ? (param('format') ?? 'rss') : '';
    if (kind === 'opml' && !FORMATS.has(format)) {
      throw new HttpError(400, `format must be rss, atom or json, got "${format.slice(0, 40)}"`);
    }
    const l = await listing();
    const type = kind === 'index' ? 'html' : kind === 'opml' ? 'opml' : 'topics';
    return answer(req, `${kind}|${format}|${base}`, l, type, async () => {
      const site = siteListing(base, l);
      if (kind === 'index') return renderIndexPage(site);
      if (kind === 'opml') return renderOpml(site, format as FeedFormat);
      return renderTopicsJson(site);
    });
  }

  function plain(status: number, message: string, headers: Record<string, string> = {}): FeedsResponse {
    const body = `${message}\n`;
    return {
      status,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
      body,
    };
  }

  return async function feedsApp(req: FeedsRequest): Promise<FeedsResponse> {
    const rawPath = req.path || '/';
    const path =
      basePath && (rawPath === basePath || rawPath.startsWith(`${basePath}/`))
        ? rawPath.slice(basePath.length) || '/'
        : rawPath;
    const query = req.query;
    const param = (name: string): string | undefined =>
      query instanceof URLSearchParams ? (query.get(name) ?? undefined) : query?.[name];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, `${req.method} is not supported here: feeds are read with GET or HEAD`, {
          allow: 'GET, HEAD',
        });
      }
      const base = config.publicBaseUrl ?? requestBaseUrl(req.headers ?? {});
      if (!base) throw new HttpError(400, 'the Host header is missing or is not a host name');
      const route = parseRoute(path);
      switch (route.kind) {
        case 'feed':
        case 'page':
          return await feedOrPage(req, base, route, param);
        case 'index':
        case 'topics-json':
        case 'opml':
          return await listed(req, base, route.kind, param);
        case 'redirect': {
          const q = new URLSearchParams(
            query instanceof URLSearchParams
              ? query
              : Object.entries(query ?? {}).filter((kv): kv is [string, string] => kv[1] !== undefined),
          ).toString();
          const location = `${base}${route.path}${q ? `?${q}` : ''}`;
          return plain(301, `Moved to ${location}`, { location, 'cache-control': 'public, max-age=86400' });
        }
        case 'bad-request':
          throw new HttpError(400, `Bad request: ${route.reason}.`);
        case 'not-found':
          throw new HttpError(
            404,
            `Not found: ${route.reason}. Every topic, with its feeds, is listed at ${base}/topics.json`,
            {
              'cache-control': 'public, max-age=60',
            },
          );
      }
    } catch (e) {
      if (e instanceof HttpError) {
        log.warn('request refused', { path: rawPath, status: e.status, reason: e.message });
        const res = plain(e.status, e.message, e.headers);
        return req.method === 'HEAD' ? { ...res, body: '' } : res;
      }
      if (isThrottling(e)) {
        log.error('store throttled the request', { path: rawPath, error: e });
        return plain(503, 'The feed store is busy; try again in a few seconds.', { 'retry-after': '5' });
      }
      log.error('request failed', { path: rawPath, error: e });
      return plain(500, 'Internal error: the feed could not be served. Try again later.');
    }
  };
}
