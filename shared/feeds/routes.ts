/**
 * The public URL space, parsed without I/O. Topic slugs arrive percent-encoded (non-Latin scripts are kept in
 * slugs); a slug that is not in canonical form (case, diacritics, order or repeats in a merge) is redirected
 * to its canonical URL, so every feed has one address, one cache entry and one Atom id.
 */

import { ALL } from '../article/model.js';
import { topicSlug } from '../article/slug.js';
import { MAX_MERGED_TOPICS } from '../config.js';
import type { FeedFormat, FeedLinks } from './render/document.js';
import type { TailoredFeedRoute } from './tailored-routes.js';

export type Route =
  | { kind: 'index' }
  | { kind: 'topics-json' }
  | { kind: 'opml' }
  /** `feeds` are topic slugs (sorted, unique) or [ALL]. */
  | { kind: 'feed'; format: FeedFormat; feeds: string[] }
  | { kind: 'page'; feeds: string[] }
  | { kind: 'redirect'; path: string }
  | { kind: 'not-found'; reason: string }
  | { kind: 'bad-request'; reason: string }
  /** Providers and top stories (tailored-routes.ts). */
  | TailoredFeedRoute;

const FEED_FILES: Record<string, FeedFormat> = { 'rss.xml': 'rss', 'atom.xml': 'atom', 'feed.json': 'json' };
export const FEED_FILE: Record<FeedFormat, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

/** The path of a topic (or merged topics) page: `/topics/a,b`. */
export const topicPath = (slugs: string[]): string => `/topics/${slugs.map(encodeURIComponent).join(',')}`;

/** The path of a feed: `/rss.xml` for all articles, `/topics/a,b/rss.xml` otherwise. */
export const feedPath = (feeds: string[], format: FeedFormat): string =>
  feeds.length === 1 && feeds[0] === ALL
    ? `/${FEED_FILE[format]}`
    : `${topicPath(feeds)}/${FEED_FILE[format]}`;

/** A feed's URLs in each format, with `query` (`?…` or '') appended. */
export const feedLinks = (base: string, feeds: string[], query: string): FeedLinks => ({
  rss: `${base}${feedPath(feeds, 'rss')}${query}`,
  atom: `${base}${feedPath(feeds, 'atom')}${query}`,
  json: `${base}${feedPath(feeds, 'json')}${query}`,
});

/** Whether `feeds` is the all-articles feed. */
export const isAll = (feeds: string[]): boolean => feeds.length === 1 && feeds[0] === ALL;

/** The HTML page of a feed: the index for all articles, else the topic page. */
export const htmlUrl = (base: string, feeds: string[]): string =>
  isAll(feeds) ? `${base}/` : `${base}${topicPath(feeds)}`;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

type Slugs = { ok: true; slugs: string[]; canonical: boolean } | { ok: false; route: Route };

function parseSlugs(segment: string): Slugs {
  const text = decode(segment);
  if (text === undefined)
    return {
      ok: false,
      route: { kind: 'bad-request', reason: 'the topic in the path is not valid percent-encoding' },
    };
  const given = text.split(',');
  if (given.length > MAX_MERGED_TOPICS) {
    return {
      ok: false,
      route: { kind: 'bad-request', reason: `at most ${MAX_MERGED_TOPICS} topics can be merged in one feed` },
    };
  }
  const slugs: string[] = [];
  for (const g of given) {
    const slug = topicSlug(g);
    // A slug whose canonical form is not stable cannot be redirected to safely; nor can an empty one.
    if (slug === '' || topicSlug(slug) !== slug) {
      return { ok: false, route: { kind: 'not-found', reason: `there is no topic "${g}"` } };
    }
    if (!slugs.includes(slug)) slugs.push(slug);
  }
  slugs.sort();
  const canonical = slugs.length === given.length && slugs.every((s, i) => s === given[i]);
  return { ok: true, slugs, canonical };
}

export function parseRoute(path: string): Route {
  switch (path) {
    case '/':
      return { kind: 'index' };
    case '/topics.json':
      return { kind: 'topics-json' };
    case '/feeds.opml':
      return { kind: 'opml' };
    case '/topics':
    case '/topics/':
    case '/index.html':
      return { kind: 'redirect', path: '/' };
  }
  const top = FEED_FILES[path.slice(1)];
  if (top) return { kind: 'feed', format: top, feeds: [ALL] };

  const parts = path.split('/');
  // ['', 'topics', slugs] or ['', 'topics', slugs, file], with a tolerated trailing slash
  if (parts[1] !== 'topics' || parts.length < 3 || parts.length > 4 || !parts[2]) {
    return { kind: 'not-found', reason: 'no such page' };
  }
  const file = parts[3];
  const format = file ? FEED_FILES[file] : undefined;
  if (file && !format) return { kind: 'not-found', reason: 'no such page' };
  const parsed = parseSlugs(parts[2]);
  if (!parsed.ok) return parsed.route;
  const { slugs, canonical } = parsed;
  const wanted = format ? `${topicPath(slugs)}/${FEED_FILE[format]}` : topicPath(slugs);
  if (!canonical || (file === '' && !format)) return { kind: 'redirect', path: wanted };
  return format ? { kind: 'feed', format, feeds: slugs } : { kind: 'page', feeds: slugs };
}
