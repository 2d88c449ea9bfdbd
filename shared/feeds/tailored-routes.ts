/**
 * The URLs of provider and top-stories feeds, parsed without I/O, beside the topic routes:
 *
 *   /providers.json                           every provider, with its count and feed URLs
 *   /providers/<domain>                       a provider's web page
 *   /providers/<domain>/rss.xml (atom.xml, feed.json)
 *   /top/rss.xml (…)                          top stories of all articles
 *   /topics/<slug>/top/rss.xml (…)            top stories of one topic
 *
 * A domain is named in its normalized form (lower case, ASCII: providerDomain); any other spelling of the same
 * domain is redirected to it, so a provider has one address, one cache entry and one Atom id.
 */
import { ALL } from '../article/model.js';
import { providerDomain, providerFeed } from '../article/provider-feed.js';
import { topicSlug } from '../article/slug.js';
import type { FeedFormat, FeedLinks } from './render/document.js';
import { FEED_FILE, parseRoute, type Route, topicPath } from './routes.js';

export type TailoredFeedRoute =
  | { kind: 'providers-json' }
  /** `feed` is the provider's feed id (`_p:<domain>`). */
  | { kind: 'provider-feed'; format: FeedFormat; domain: string; feed: string }
  | { kind: 'provider-page'; domain: string; feed: string }
  /** `feed` is ALL or one topic's slug. */
  | { kind: 'top-feed'; format: FeedFormat; feed: string };

export type TailoredRoute =
  | TailoredFeedRoute
  | { kind: 'redirect'; path: string }
  | { kind: 'not-found'; reason: string };

const FORMAT_OF: Record<string, FeedFormat> = { 'rss.xml': 'rss', 'atom.xml': 'atom', 'feed.json': 'json' };

/** `/providers/<domain>`: the domain in its normalized form needs no encoding. */
export const providerPath = (domain: string): string => `/providers/${domain}`;

/** The feed URLs of a provider, with `query` (`?…` or '') appended. */
export const providerFeedLinks = (base: string, domain: string, query = ''): FeedLinks => ({
  rss: `${base}${providerPath(domain)}/rss.xml${query}`,
  atom: `${base}${providerPath(domain)}/atom.xml${query}`,
  json: `${base}${providerPath(domain)}/feed.json${query}`,
});

/** The top-stories path of ALL (`/top/…`) or of a topic (`/topics/<slug>/top/…`). */
export const topFeedPath = (feed: string, format: FeedFormat): string =>
  `${feed === ALL ? '' : topicPath([feed])}/top/${FEED_FILE[format]}`;

export const topFeedLinks = (base: string, feed: string, query = ''): FeedLinks => ({
  rss: `${base}${topFeedPath(feed, 'rss')}${query}`,
  atom: `${base}${topFeedPath(feed, 'atom')}${query}`,
  json: `${base}${topFeedPath(feed, 'json')}${query}`,
});

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The route of any path: a provider or top-stories URL's, else the topic routes'. */
export const parseAnyRoute = (path: string): Route => parseTailoredRoute(path) ?? parseRoute(path);

/** The route of a provider or top-stories URL; undefined for every other path (the topic routes' own). */
export function parseTailoredRoute(path: string): TailoredRoute | undefined {
  if (path === '/providers.json') return { kind: 'providers-json' };
  const parts = path.split('/');
  if (parts[1] === 'top' && parts.length === 3) {
    const format = FORMAT_OF[parts[2] as string];
    return format ? { kind: 'top-feed', format, feed: ALL } : { kind: 'not-found', reason: 'no such page' };
  }
  // ['', 'topics', slug, 'top', file]
  if (parts[1] === 'topics' && parts[3] === 'top' && parts.length === 5) return topicTop(parts);
  if (parts[1] !== 'providers') return undefined;
  if (parts.length < 3 || parts.length > 4 || !parts[2]) {
    return parts.length === 2 || (parts.length === 3 && parts[2] === '')
      ? { kind: 'redirect', path: '/' }
      : { kind: 'not-found', reason: 'no such page' };
  }
  const file = parts[3];
  const format = file ? FORMAT_OF[file] : undefined;
  if (file && !format) return { kind: 'not-found', reason: 'no such page' };
  const given = decode(parts[2] as string);
  const domain = given === undefined ? undefined : providerDomain(given);
  const feed = domain === undefined ? undefined : providerFeed(domain);
  if (domain === undefined || feed === undefined) {
    return { kind: 'not-found', reason: `there is no provider "${(given ?? parts[2] ?? '').slice(0, 80)}"` };
  }
  const wanted = format ? `${providerPath(domain)}/${FEED_FILE[format]}` : providerPath(domain);
  if (parts[2] !== domain || file === '') return { kind: 'redirect', path: wanted };
  return format ? { kind: 'provider-feed', format, domain, feed } : { kind: 'provider-page', domain, feed };
}

function topicTop(parts: string[]): TailoredRoute {
  const format = FORMAT_OF[parts[4] as string];
  const given = decode(parts[2] as string);
  if (!format || given === undefined) return { kind: 'not-found', reason: 'no such page' };
  if (given.includes(',')) {
    return {
      kind: 'not-found',
      reason: 'top stories are for one topic or for all articles, not merged topics',
    };
  }
  const slug = topicSlug(given);
  if (slug === '' || topicSlug(slug) !== slug)
    return { kind: 'not-found', reason: `there is no topic "${given}"` };
  if (slug !== given) return { kind: 'redirect', path: topFeedPath(slug, format) };
  return { kind: 'top-feed', format, feed: slug };
}
