/**
 * Conditional requests and caching, in one place: the validators (a strong ETag per content coding, and
 * Last-Modified), the 304 decision (RFC 9110 §13), the Cache-Control of every kind of answer, and the common
 * path of every cacheable answer: 304 when the client has it, else the cached or freshly rendered
 * representation in the best encoding the client accepts. A warm answer runs synchronously.
 */
import { createHash } from 'node:crypto';
import type { FeedsConfig } from '../config.js';
import type { RenderCache } from './cache.js';
import { type Encoding, negotiateEncoding } from './http.js';
import { PAGE_CSP } from './render/pages.js';
import { buildRendered, representation } from './representations.js';
import type { FeedsRequest, FeedsResponse } from './request.js';

/** Bump when rendered output changes for the same data: it is part of every ETag. */
const RENDER_VERSION = '2';

/** Errors are never kept by a cache (CloudFront's stale-if-error serves the last good copy instead). */
export const NO_STORE = 'no-store';
/** A 404 (a topic may appear any moment): a minute. */
export const NOT_FOUND_CACHING = 'public, max-age=60';
/** A 301 to a canonical URL: a day. */
export const REDIRECT_CACHING = 'public, max-age=86400';

export type BodyType = 'rss' | 'atom' | 'json' | 'html' | 'opml' | 'topics';

const CONTENT_TYPES: Record<BodyType, string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  topics: 'application/json; charset=utf-8',
};

/** What the validators of an answer come from: the metadata it was read with. */
export interface Validators {
  /** The revisions the response depends on, as one string. */
  revisions: string;
  /** The newest change (ISO): Last-Modified. */
  lastChange: string;
}

/** How a cache miss makes its body, and the Link header of its answer. */
export interface Rendering {
  type: BodyType;
  render(): Promise<string>;
  link?: string;
}

/** The representation-specific strong ETag: the content tag plus the coding, as caches need (RFC 9110 §8.8.3). */
export const etagFor = (tag: string, encoding: Encoding): string =>
  encoding === 'identity' ? `"${tag}"` : `"${tag}-${encoding === 'br' ? 'br' : 'gz'}"`;

/**
 * Whether If-None-Match matches the content `tag` in any of its codings (weak comparison, RFC 9110 §13.1.2):
 * a client holding the gzip representation has the same content as one holding identity.
 */
export function noneMatch(header: string, tag: string): boolean {
  if (header.trim() === '*') return true;
  for (const raw of header.split(',')) {
    let t = raw.trim();
    if (t.startsWith('W/')) t = t.slice(2);
    if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) t = t.slice(1, -1);
    if (t.endsWith('-br') || t.endsWith('-gz')) t = t.slice(0, -3);
    if (t === tag) return true;
  }
  return false;
}

/** An IMF-fixdate (`Sun, 14 Mar 2021 01:27:54 GMT`) for an ISO time; the epoch when unparseable. */
export const httpDate = (iso: string): string => new Date(Date.parse(iso) || 0).toUTCString();

/** Whether a resource last modified at `iso` is not newer than the If-Modified-Since date (second precision). */
export function notModifiedSince(header: string, iso: string): boolean {
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  const modified = Math.floor((Date.parse(iso) || 0) / 1000) * 1000;
  return modified <= since;
}

/** The content tag of a variant at these revisions (the ETag without coding or quotes). */
const tagOf = (variant: string, revisions: string): string =>
  createHash('sha1').update(`${RENDER_VERSION}\n${variant}\n${revisions}`).digest('base64url').slice(0, 27);

/** The Cache-Control of a successful answer, from the configuration. */
export function cacheControlOf(
  config: Pick<FeedsConfig, 'maxAge' | 'staleWhileRevalidate' | 'staleIfError'>,
) {
  const { maxAge, staleWhileRevalidate, staleIfError } = config;
  // stale-if-error: CloudFront keeps serving the last good copy while the origin fails (errors are no-store).
  return `public, max-age=${maxAge}, stale-while-revalidate=${staleWhileRevalidate}${staleIfError ? `, stale-if-error=${staleIfError}` : ''}`;
}

export class Conditional {
  constructor(
    private readonly cache: RenderCache,
    private readonly cacheControl: string,
  ) {}

  /**
   * The answer for `variant` (everything of the request its body depends on) at the validators `v`: 304 when
   * the client has it, else the cached or (once, for concurrent misses) freshly rendered representation.
   */
  answer(
    req: FeedsRequest,
    variant: string,
    v: Validators,
    rendering: () => Rendering,
  ): FeedsResponse | Promise<FeedsResponse> {
    const headers = req.headers ?? {};
    const encoding = negotiateEncoding(headers['accept-encoding']);
    const inm = headers['if-none-match'];
    const ims = headers['if-modified-since'];
    const cached = this.cache.get(variant, v.revisions);
    if (cached) {
      const rep = representation(cached, encoding);
      const fresh =
        inm !== undefined
          ? inm === rep.headers.etag || noneMatch(inm, cached.tag)
          : ims !== undefined && notModifiedSince(ims, v.lastChange);
      if (fresh) {
        rep.notModified ??= this.notModifiedHeaders(rep.headers.etag as string, v);
        return { status: 304, headers: rep.notModified, body: '' };
      }
      return { status: 200, headers: rep.headers, body: req.method === 'HEAD' ? '' : (rep.text ?? rep.body) };
    }
    const tag = tagOf(variant, v.revisions);
    if (inm !== undefined ? noneMatch(inm, tag) : ims !== undefined && notModifiedSince(ims, v.lastChange)) {
      return { status: 304, headers: this.notModifiedHeaders(etagFor(tag, encoding), v), body: '' };
    }
    return this.cache
      .getOrRender(variant, v.revisions, async () => {
        const { type, render, link } = rendering();
        const ok = this.okHeaders(type, v.lastChange, link);
        return buildRendered(await render(), tag, v.revisions, (coding, length) => ({
          ...ok,
          ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
          'content-length': String(length),
          etag: etagFor(tag, coding),
        }));
      })
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
  private notModifiedHeaders(etag: string, v: Validators): Record<string, string> {
    return {
      etag,
      'cache-control': this.cacheControl,
      'last-modified': httpDate(v.lastChange),
      vary: 'Accept-Encoding',
    };
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
}
