/**
 * The feeds HTTP app as a plain function: request in, response out. It knows nothing of Lambda (lambda.ts
 * adapts events) and reads only through FeedStore.
 *
 * A feed request costs one metadata read (GetItem, or BatchGetItem for merged topics), which gives the
 * ETag and Last-Modified: a conditional request is answered 304 from it alone, and a warm cache answers
 * from memory with the bytes already rendered and compressed. Only a miss queries entries and renders.
 * The hot path (metadata fresh, body cached) runs synchronously and allocates little.
 */
import { createHash } from 'node:crypto';
import { ALL, type TopicMeta } from '../article/model.js';
import { type FeedsConfig, MERGED_DEFAULTS } from '../config.js';
import { isThrottling } from '../errors.js';
import { RETRY_AFTER_S } from '../limits.js';
import type { Log } from '../logger.js';
import type { FeedStore, ProviderMeta } from '../store/types.js';
import { hubLinkHeader } from '../websub.js';
import { buildRendered, RenderCache, representation } from './cache.js';
import { CursorError, cursorCodec } from './cursor.js';
import { etagFor, httpDate, negotiateEncoding, noneMatch, notModifiedSince, requestBaseUrl } from './http.js';
import { ParamError, parseTailoring, type Tailoring } from './params.js';
import { renderAtom } from './render/atom.js';
import type { FeedDocument, FeedFormat, FeedLinks } from './render/document.js';
import { safeEntry } from './render/entry.js';
import { renderJson } from './render/json.js';
import {
  type OpmlGroup,
  renderOpml,
  renderProvidersJson,
  renderTopicsJson,
  type SiteListing,
} from './render/listing.js';
import { PAGE_CSP, renderIndexPage, renderTopicPage } from './render/pages.js';
import { renderRss } from './render/rss.js';
import { feedPath, parseRoute, type Route, topicPath } from './routes.js';
import {
  cursorFits,
  cursorKeyOf,
  type FeedSpec,
  feedSpec,
  readSpecPage,
  specHtmlUrl,
  specLinks,
  specTitles,
} from './tailored.js';
import {
  parseTailoredRoute,
  providerFeedLinks,
  providerPath,
  type TailoredRoute,
  topFeedLinks,
} from './tailored-routes.js';
import { DEFAULT_TOP_WINDOW_DAYS } from './top.js';

/** Bump when rendered output changes for the same data: it is part of every ETag. */
const RENDER_VERSION = '2';

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
  /** Shared with the render cache: treat as read-only. */
  headers: Readonly<Record<string, string>>;
  /** Text, or content-coded bytes (a Buffer: the Lambda adapter sends those base64-encoded). */
  body: string | Buffer;
}

export type FeedsApp = (req: FeedsRequest) => Promise<FeedsResponse>;

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

type BodyType = FeedFormat | 'html' | 'opml' | 'topics';
type ListingKind = 'index' | 'topics-json' | 'opml' | 'providers-json';
type AnyRoute = Route | TailoredRoute;

const CONTENT_TYPES: Record<BodyType, string> = {
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
  providers: ProviderMeta[];
  all?: TopicMeta;
}

/** What a cache miss renders: a feed or its web page (topics, provider, top stories)… */
interface FeedJob {
  kind: 'feed';
  spec: FeedSpec;
  base: string;
  limit: number;
  limitParam?: string;
  cursor?: string;
  /** The position (or rank key) the cursor carries. */
  before?: string;
  tailoring: Tailoring;
}

/** …or a listing of topics or providers. */
interface ListingJob {
  kind: ListingKind;
  base: string;
  format: string;
  group: OpmlGroup;
}

/** The latest of ISO times (they sort as text); the epoch for none. */
function maxIso(values: string[]): string {
  let max = new Date(0).toISOString();
  for (const v of values) if (v > max) max = v;
  return max;
}

function param(query: FeedsRequest['query'], name: string): string | undefined {
  if (query instanceof URLSearchParams) return query.get(name) ?? undefined;
  return query?.[name];
}

function queryString(params: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params))
    if (v !== undefined) parts.push(`${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

const feedLinks = (base: string, feeds: string[], query: string): FeedLinks => ({
  rss: `${base}${feedPath(feeds, 'rss')}${query}`,
  atom: `${base}${feedPath(feeds, 'atom')}${query}`,
  json: `${base}${feedPath(feeds, 'json')}${query}`,
});

/** A small memo for pure functions of request strings (routes, base URLs): bounded, cleared when full. */
class Memo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string, make: (key: string) => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make(key);
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(key, v);
    }
    return v;
  }
}

interface Fresh<T> {
  at: number;
  promise: Promise<T>;
  /** Set once the promise has resolved: lets a request reuse it without waiting a tick. */
  value?: T;
}

class FeedsService {
  private readonly store: FeedStore;
  private readonly config: Omit<FeedsConfig, 'tableName'>;
  private readonly log: Log;
  private readonly metaTtl: number;
  private readonly now: () => number;
  private readonly cache: RenderCache;
  private readonly cursors: ReturnType<typeof cursorCodec>;
  private readonly language?: string;
  private readonly cacheControl: string;
  private readonly basePath: string;
  private readonly ttlMinutes?: number;
  private readonly maxMergedTopics: number;
  private readonly mergedMaxLimit: number;
  private readonly fresh = new Map<string, Fresh<Snapshot>>();
  private readonly routes = new Memo<AnyRoute>(4096);
  private readonly topWindowDays: number;
  private readonly bases = new Memo<string | undefined>(256);

  constructor(options: FeedsAppOptions) {
    this.store = options.store;
    this.config = options.config;
    this.log = options.log;
    this.metaTtl = options.metaTtlMs ?? options.config.metadataReuseMs ?? 250;
    this.now = options.now ?? Date.now;
    this.cache = new RenderCache(options.cacheBytes ?? 64 * 1024 * 1024);
    this.cursors = cursorCodec(options.cursorKey ?? 'feedbucket cursors');
    const lang = options.language;
    this.language = lang && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(lang) ? lang : undefined;
    const { maxAge, staleWhileRevalidate, staleIfError, publicBaseUrl } = this.config;
    // stale-if-error: CloudFront keeps serving the last good copy while the origin fails (errors are no-store).
    this.cacheControl = `public, max-age=${maxAge}, stale-while-revalidate=${staleWhileRevalidate}${staleIfError ? `, stale-if-error=${staleIfError}` : ''}`;
    this.basePath = publicBaseUrl ? new URL(publicBaseUrl).pathname.replace(/\/+$/, '') : '';
    this.ttlMinutes = maxAge >= 60 ? Math.round(maxAge / 60) : undefined;
    this.maxMergedTopics = this.config.maxMergedTopics ?? MERGED_DEFAULTS.maxMergedTopics;
    this.topWindowDays = this.config.topWindowDays ?? DEFAULT_TOP_WINDOW_DAYS;
    this.mergedMaxLimit = Math.min(
      this.config.mergedMaxLimit ?? MERGED_DEFAULTS.mergedMaxLimit,
      this.config.maxLimit,
    );
  }

  handle(req: FeedsRequest): Promise<FeedsResponse> {
    try {
      const out = this.route(req);
      return out instanceof Promise ? out.catch((e: unknown) => this.failure(req, e)) : Promise.resolve(out);
    } catch (e) {
      return Promise.resolve(this.failure(req, e));
    }
  }

  // ---- routing ----

  private route(req: FeedsRequest): FeedsResponse | Promise<FeedsResponse> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `${req.method} is not supported here: feeds are read with GET or HEAD`, {
        allow: 'GET, HEAD',
      });
    }
    const base = this.baseUrl(req.headers ?? {});
    if (!base) throw new HttpError(400, 'the Host header is missing or is not a host name');
    const route = this.routes.get(this.localPath(req.path), (p) => parseTailoredRoute(p) ?? parseRoute(p));
    switch (route.kind) {
      case 'feed':
      case 'page':
      case 'provider-feed':
      case 'provider-page':
      case 'top-feed':
        return this.feed(req, base, feedSpec(route));
      case 'index':
      case 'topics-json':
      case 'opml':
      case 'providers-json':
        return this.listed(req, base, route.kind);
      case 'redirect': {
        const q = new URLSearchParams(
          req.query instanceof URLSearchParams
            ? req.query
            : Object.entries(req.query ?? {}).filter((kv): kv is [string, string] => kv[1] !== undefined),
        ).toString();
        const location = `${base}${route.path}${q ? `?${q}` : ''}`;
        return this.plain(301, `Moved to ${location}`, {
          location,
          'cache-control': 'public, max-age=86400',
        });
      }
      case 'bad-request':
        throw new HttpError(400, `Bad request: ${route.reason}.`);
      case 'not-found':
        throw new HttpError(
          404,
          `Not found: ${route.reason}. Every topic, with its feeds, is listed at ${base}/topics.json`,
          { 'cache-control': 'public, max-age=60' },
        );
    }
  }

  /** The path under the configured base URL's path, if it has one. */
  private localPath(raw: string): string {
    const path = raw || '/';
    const bp = this.basePath;
    if (!bp || (path !== bp && !path.startsWith(`${bp}/`))) return path;
    return path.slice(bp.length) || '/';
  }

  private baseUrl(headers: Record<string, string | undefined>): string | undefined {
    if (this.config.publicBaseUrl) return this.config.publicBaseUrl;
    const key = `${headers['x-forwarded-proto'] ?? ''}|${headers['x-forwarded-host'] ?? ''}|${headers.host ?? ''}`;
    return this.bases.get(key, () => requestBaseUrl(headers));
  }

  // ---- metadata ----

  /** A fresh snapshot for `key`: the value itself when one resolved within metaTtl, else a promise. */
  private snapshot<T extends Snapshot, A>(key: string, load: (arg: A) => Promise<T>, arg: A): T | Promise<T> {
    const t = this.now();
    const hit = this.fresh.get(key) as Fresh<T> | undefined;
    if (hit && t - hit.at < this.metaTtl) return hit.value ?? hit.promise;
    const promise = load(arg);
    if (this.metaTtl > 0) {
      if (this.fresh.size > 10_000) this.fresh.clear();
      const entry: Fresh<T> = { at: t, promise };
      this.fresh.set(key, entry as Fresh<Snapshot>);
      promise.then(
        (v) => {
          entry.value = v;
        },
        () => {
          if (this.fresh.get(key) === (entry as Fresh<Snapshot>)) this.fresh.delete(key);
        },
      );
    }
    return promise;
  }

  private readonly loadFeeds = async (feeds: string[]): Promise<Snapshot> => {
    const [only] = feeds;
    let metas: Map<string, TopicMeta>;
    if (feeds.length === 1 && only !== undefined) {
      const meta = await this.store.getTopic(only);
      metas = new Map(meta ? [[meta.slug, meta]] : []);
    } else {
      metas = await this.store.getTopics(feeds);
    }
    return {
      metas,
      revisions: feeds.map((f) => `${f}:${metas.get(f)?.revision ?? 0}`).join(','),
      lastChange: maxIso(feeds.map((f) => metas.get(f)?.lastChange ?? '')),
    };
  };

  private readonly loadListing = async (): Promise<Listing> => {
    const [topics, providers, all] = await Promise.all([
      this.store.listTopics(),
      this.store.listProviders(),
      this.store.getTopic(ALL),
    ]);
    topics.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    const digest = createHash('sha1');
    for (const t of topics) digest.update(`${t.slug}:${t.revision}:${t.count}\n`);
    // A provider's name, count or revision changes what the listings show.
    for (const p of providers) digest.update(`${p.slug}:${p.revision}:${p.count}\n`);
    return {
      metas: new Map(topics.map((t) => [t.slug, t])),
      topics,
      providers,
      all,
      revisions: `${all?.revision ?? 0}:${digest.digest('base64url')}`,
      lastChange: maxIso([
        all?.lastChange ?? '',
        ...topics.map((t) => t.lastChange),
        ...providers.map((p) => p.lastChange),
      ]),
    };
  };

  // ---- feeds and topic pages ----

  /** The page size asked; merged feeds (one Query per topic) have their own, lower ceiling. */
  private parseLimit(raw: string | undefined, merged: boolean): number {
    const max = merged ? this.mergedMaxLimit : this.config.maxLimit;
    if (raw === undefined) return Math.min(this.config.defaultLimit, max);
    const n = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= 1 && n <= max)) {
      throw new HttpError(
        400,
        `limit must be a whole number from 1 to ${max}${merged ? ' for merged topics' : ''}, got "${raw.slice(0, 40)}"`,
      );
    }
    return n;
  }

  private feed(req: FeedsRequest, base: string, spec: FeedSpec): FeedsResponse | Promise<FeedsResponse> {
    const { feeds } = spec;
    if (feeds.length > this.maxMergedTopics) {
      throw new HttpError(400, `at most ${this.maxMergedTopics} topics can be merged in one feed`);
    }
    const limitParam = param(req.query, 'limit');
    const limit = this.parseLimit(limitParam, feeds.length > 1);
    let tailoring: Tailoring;
    try {
      tailoring = parseTailoring(req.query);
    } catch (e) {
      if (e instanceof ParamError) throw new HttpError(400, e.message);
      throw e;
    }
    const cursor = param(req.query, 'cursor');
    let before: string | undefined;
    if (cursor !== undefined) {
      try {
        before = this.cursors.decode(cursorKeyOf(spec), cursor);
      } catch (e) {
        if (e instanceof CursorError) throw new HttpError(400, e.message);
        throw e;
      }
      if (!cursorFits(spec, before))
        throw new HttpError(400, 'cursor is malformed: use the next link as it is');
    }
    const job: FeedJob = { kind: 'feed', spec, base, limit, limitParam, cursor, before, tailoring };
    const feedKey = feeds.join(',');
    const snap = this.snapshot(feedKey, this.loadFeeds, feeds);
    return snap instanceof Promise
      ? snap.then((s) => this.feedWith(req, job, s))
      : this.feedWith(req, job, snap);
  }

  private feedWith(req: FeedsRequest, job: FeedJob, snap: Snapshot): FeedsResponse | Promise<FeedsResponse> {
    const { spec, base } = job;
    const unknown = spec.feeds.filter((f) => f !== ALL && !snap.metas.has(f));
    if (unknown.length > 0) {
      const message =
        spec.of === 'provider'
          ? `No provider "${spec.domain}" here. Every provider, with its feeds, is listed at ${base}/providers.json`
          : `No topic ${unknown.map((u) => `"${u}"`).join(', ')} here. Every topic, with its feeds, is listed at ${base}/topics.json`;
      throw new HttpError(404, message, { 'cache-control': 'public, max-age=60' });
    }
    const type = spec.page ? 'html' : spec.format;
    // The variant names everything the bytes depend on besides the revisions: the tailoring's canonical key too.
    const variant = `${type}|${spec.of}|${spec.feeds.join(',')}|${job.limitParam ?? ''}|${job.cursor ?? ''}|${job.tailoring.key}|${base}`;
    return this.answer(req, variant, snap, type, job);
  }

  private listed(req: FeedsRequest, base: string, kind: ListingKind): FeedsResponse | Promise<FeedsResponse> {
    const format = kind === 'opml' ? (param(req.query, 'format') ?? 'rss') : '';
    if (kind === 'opml' && !FORMATS.has(format)) {
      throw new HttpError(400, `format must be rss, atom or json, got "${format.slice(0, 40)}"`);
    }
    const group = (kind === 'opml' ? (param(req.query, 'group') ?? 'topics') : 'topics') as OpmlGroup;
    if (group !== 'topics' && group !== 'providers') {
      throw new HttpError(400, `group must be topics or providers, got "${String(group).slice(0, 40)}"`);
    }
    const type: BodyType = kind === 'index' ? 'html' : kind === 'opml' ? 'opml' : 'topics';
    const variant = `${kind}|${format}|${group}|${base}`;
    const job: ListingJob = { kind, base, format, group };
    const listing = this.snapshot('\nlisting', this.loadListing, undefined);
    return listing instanceof Promise
      ? listing.then((l) => this.answer(req, variant, l, type, job))
      : this.answer(req, variant, listing, type, job);
  }

  // ---- answers ----

  private tagOf(variant: string, revisions: string): string {
    return createHash('sha1')
      .update(`${RENDER_VERSION}\n${variant}\n${revisions}`)
      .digest('base64url')
      .slice(0, 27);
  }

  /**
   * The common path of every cacheable answer: 304 when the client has it, else the cached or freshly
   * rendered representation in the best encoding the client accepts.
   */
  private answer(
    req: FeedsRequest,
    variant: string,
    snap: Snapshot,
    type: BodyType,
    job: FeedJob | ListingJob,
  ): FeedsResponse | Promise<FeedsResponse> {
    const headers = req.headers ?? {};
    const encoding = negotiateEncoding(headers['accept-encoding']);
    const inm = headers['if-none-match'];
    const ims = headers['if-modified-since'];
    const cached = this.cache.get(variant, snap.revisions);
    if (cached) {
      const rep = representation(cached, encoding);
      const fresh =
        inm !== undefined
          ? inm === rep.headers.etag || noneMatch(inm, cached.tag)
          : ims !== undefined && notModifiedSince(ims, snap.lastChange);
      if (fresh) {
        rep.notModified ??= this.notModifiedHeaders(rep.headers.etag as string, snap);
        return { status: 304, headers: rep.notModified, body: '' };
      }
      return { status: 200, headers: rep.headers, body: req.method === 'HEAD' ? '' : (rep.text ?? rep.body) };
    }
    const tag = this.tagOf(variant, snap.revisions);
    if (
      inm !== undefined ? noneMatch(inm, tag) : ims !== undefined && notModifiedSince(ims, snap.lastChange)
    ) {
      return { status: 304, headers: this.notModifiedHeaders(etagFor(tag, encoding), snap), body: '' };
    }
    return this.cache
      .getOrRender(variant, snap.revisions, async () =>
        buildRendered(
          await this.render(job, snap),
          tag,
          snap.revisions,
          this.okHeaders(type, snap.lastChange, this.hubLink(job)),
        ),
      )
      .then((rendered) => {
        const rep = representation(rendered, encoding);
        return {
          status: 200,
          headers: rep.headers,
          body: req.method === 'HEAD' ? '' : (rep.text ?? rep.body),
        };
      });
  }

  /** A 304 carries what the 200 would have for caches: validators, Cache-Control, Vary. */
  private notModifiedHeaders(etag: string, snap: Snapshot): Record<string, string> {
    return {
      etag,
      'cache-control': this.cacheControl,
      'last-modified': httpDate(snap.lastChange),
      vary: 'Accept-Encoding',
    };
  }

  /** WebSub discovery of a feed: its hubs and its self URL, as a Link header (none without hubs). */
  private hubLink(job: FeedJob | ListingJob): string | undefined {
    const hubs = this.config.hubs;
    if (!hubs?.length || job.kind !== 'feed' || job.spec.page) return undefined;
    return hubLinkHeader(hubs, this.selfLinks(job)[job.spec.format]);
  }

  /** The links of the page a feed job renders (limit, tailoring and cursor kept: each page is its own topic). */
  private selfLinks(job: FeedJob): FeedLinks {
    return specLinks(job.base, job.spec, this.pageQuery(job, job.cursor));
  }

  /** The query of a page of this feed: limit, the tailoring (canonical), the cursor; '' when none. */
  private pageQuery(job: FeedJob, cursor: string | undefined): string {
    const limit = queryString({ limit: job.limitParam }).slice(1);
    const tail = queryString({ cursor }).slice(1);
    const parts = [limit, job.tailoring.key, tail].filter((p) => p !== '');
    return parts.length ? `?${parts.join('&')}` : '';
  }

  private okHeaders(type: BodyType, lastChange: string, link?: string): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPES[type],
      'cache-control': this.cacheControl,
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
    if (link) headers.link = link;
    return headers;
  }

  // ---- rendering (cache misses only) ----

  private async render(job: FeedJob | ListingJob, snap: Snapshot): Promise<string> {
    const { config } = this;
    const { base } = job;
    if (job.kind !== 'feed') {
      const site = this.siteListing(base, snap as Listing);
      if (job.kind === 'index') return renderIndexPage(site);
      if (job.kind === 'opml') return renderOpml(site, job.format as FeedFormat, job.group);
      if (job.kind === 'providers-json') return renderProvidersJson(site);
      return renderTopicsJson(site);
    }
    const { spec, limit, before, tailoring } = job;
    const { feeds } = spec;
    const page = await readSpecPage(this.store, spec, {
      limit,
      before,
      tailoring,
      topWindowDays: this.topWindowDays,
    });
    const names = feeds.map((f) =>
      f === ALL ? config.siteTitle : (snap.metas.get(f)?.name ?? spec.domain ?? f),
    );
    const topicsBase = `${base}/topics/`;
    const entries = page.entries.map((e) => safeEntry(e, { topicsBase, home: `${base}/` }));
    const nextQuery = page.next
      ? this.pageQuery(job, this.cursors.encode(cursorKeyOf(spec), page.next))
      : undefined;

    if (spec.page) {
      const single = spec.of === 'topics' && feeds.length === 1 && feeds[0] !== ALL;
      return renderTopicPage({
        siteTitle: config.siteTitle,
        homeUrl: `${base}/`,
        title: names.join(' + '),
        count: feeds.reduce((n, f) => n + (snap.metas.get(f)?.count ?? 0), 0),
        feeds: specLinks(base, spec, ''),
        topicsBase,
        nextUrl: nextQuery ? `${specHtmlUrl(base, spec)}${nextQuery}` : undefined,
        later: before !== undefined,
        entries,
        top: single ? topFeedLinks(base, feeds[0] as string) : undefined,
        of: spec.of === 'provider' ? 'provider' : 'topic',
      });
    }
    return RENDERERS[spec.format]({
      ...specTitles(spec, names, config.siteTitle),
      siteTitle: config.siteTitle,
      language: this.language,
      htmlUrl: specHtmlUrl(base, spec),
      id: specLinks(base, spec, '').atom,
      self: this.selfLinks(job),
      next: nextQuery ? specLinks(base, spec, nextQuery) : undefined,
      hubs: config.hubs,
      topicsBase,
      lastChange: snap.lastChange,
      ttlMinutes: this.ttlMinutes,
      entries,
    });
  }

  private siteListing(base: string, l: Listing): SiteListing {
    return {
      siteTitle: this.config.siteTitle,
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
      providers: l.providers.map((p) => ({
        domain: p.domain,
        name: p.name,
        count: p.count,
        lastChange: p.lastChange,
        htmlUrl: `${base}${providerPath(p.domain)}`,
        feeds: providerFeedLinks(base, p.domain),
      })),
      providersJsonUrl: `${base}/providers.json`,
      providersOpmlUrl: `${base}/feeds.opml?group=providers`,
      topUrl: topFeedLinks(base, ALL).rss,
    };
  }

  // ---- errors ----

  private plain(status: number, message: string, headers: Record<string, string> = {}): FeedsResponse {
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

  /** Every failure becomes an answer and a log line with the request path; never a stack trace. */
  private failure(req: FeedsRequest, e: unknown): FeedsResponse {
    const path = req.path;
    if (e instanceof HttpError) {
      this.log.warn('request refused', { path, status: e.status, reason: e.message });
      const res = this.plain(e.status, e.message, e.headers);
      return req.method === 'HEAD' ? { ...res, body: '' } : res;
    }
    if (isThrottling(e)) {
      this.log.error('store throttled the request', { path, error: e });
      return this.plain(503, 'The feed store is busy; try again in a few seconds.', {
        'retry-after': String(RETRY_AFTER_S),
      });
    }
    this.log.error('request failed', { path, error: e });
    return this.plain(500, 'Internal error: the feed could not be served. Try again later.');
  }
}

export function createFeedsApp(options: FeedsAppOptions): FeedsApp {
  const service = new FeedsService(options);
  return (req) => service.handle(req);
}
