/**
 * What the app needs to serve any feed kind, topic (one or merged, and ALL), provider or top stories, with
 * or without tailoring: its links, titles, cursor key, and how one page of it is read. Pure apart from the
 * read, which goes through FeedStore only.
 */
import type { FeedPage } from '../article/model.js';
import type { FeedStore } from '../store/types.js';
import { readFilteredPage } from './filtered-page.js';
import { entryFilter } from './filters.js';
import { readPage } from './pages.js';
import type { Tailoring } from './params.js';
import type { FeedFormat, FeedLinks } from './render/document.js';
import { feedLinks, htmlUrl, isAll, type Route } from './routes.js';
import { providerFeedLinks, providerPath, topFeedLinks } from './tailored-routes.js';
import { decodeRankKey, readTopPage } from './top.js';

export type FeedOf = 'topics' | 'provider' | 'top';

/** A feed or its web page, whatever its kind. */
export interface FeedSpec {
  of: FeedOf;
  /** A web page (HTML) rather than a feed document. */
  page: boolean;
  format: FeedFormat;
  /** Feed ids: topic slugs (sorted, unique) or [ALL]; [`_p:<domain>`]; for top stories, [ALL] or [slug]. */
  feeds: string[];
  /** A provider's domain. */
  domain?: string;
}

export type FeedRoute = Extract<
  Route,
  { kind: 'feed' | 'page' | 'provider-feed' | 'provider-page' | 'top-feed' }
>;

export function feedSpec(route: FeedRoute): FeedSpec {
  switch (route.kind) {
    case 'feed':
      return { of: 'topics', page: false, format: route.format, feeds: route.feeds };
    case 'page':
      return { of: 'topics', page: true, format: 'rss', feeds: route.feeds };
    case 'provider-feed':
      return { of: 'provider', page: false, format: route.format, feeds: [route.feed], domain: route.domain };
    case 'provider-page':
      return { of: 'provider', page: true, format: 'rss', feeds: [route.feed], domain: route.domain };
    case 'top-feed':
      return { of: 'top', page: false, format: route.format, feeds: [route.feed] };
  }
}

/** The feed's URLs in each format, with `query` (`?…` or '') appended. */
export function specLinks(base: string, spec: FeedSpec, query: string): FeedLinks {
  if (spec.of === 'provider') return providerFeedLinks(base, spec.domain as string, query);
  if (spec.of === 'top') return topFeedLinks(base, spec.feeds[0] as string, query);
  return feedLinks(base, spec.feeds, query);
}

/** The web page of the feed (a top feed's is its topic's page, or the index). */
export function specHtmlUrl(base: string, spec: FeedSpec): string {
  if (spec.of === 'provider') return `${base}${providerPath(spec.domain as string)}`;
  return htmlUrl(base, spec.feeds);
}

/** What binds a cursor to its feed: a cursor of one kind or feed is refused by another. */
export const cursorKeyOf = (spec: FeedSpec): string =>
  spec.of === 'top' ? `top:${spec.feeds.join(',')}` : spec.feeds.join(',');

/** The feed's title and description, from the names of its feeds (topic or provider names). */
export function specTitles(
  spec: FeedSpec,
  names: string[],
  siteTitle: string,
): { title: string; description: string } {
  const all = isAll(spec.feeds);
  const joined = names.join(' + ');
  switch (spec.of) {
    case 'provider':
      return {
        title: `${joined} · ${siteTitle}`,
        description: `Articles from ${joined} (${spec.domain}) on ${siteTitle}, newest first.`,
      };
    case 'top':
      return {
        title: all ? `Top stories · ${siteTitle}` : `Top stories: ${joined} · ${siteTitle}`,
        description: `The hottest articles${all ? '' : ` about ${joined}`} on ${siteTitle}, from the days up to the newest one.`,
      };
    default:
      return {
        title: all ? siteTitle : `${joined} · ${siteTitle}`,
        description: all
          ? `Every article on ${siteTitle}, newest first.`
          : `Articles about ${names.join(', ')} on ${siteTitle}, newest first.`,
      };
  }
}

/** Whether a cursor's position fits the feed kind (a top feed's carries a rank key). */
export const cursorFits = (spec: FeedSpec, position: string): boolean =>
  spec.of !== 'top' || decodeRankKey(position) !== undefined;

export interface ReadOptions {
  limit: number;
  /** The position (or, for top stories, the rank key) a cursor carries. */
  before?: string;
  tailoring: Tailoring;
  topWindowDays?: number;
}

/** One page of the feed: `next` is where the next page starts (a position, or a rank key). */
export function readSpecPage(store: FeedStore, spec: FeedSpec, o: ReadOptions): Promise<FeedPage> {
  const accept = entryFilter(o.tailoring);
  if (spec.of === 'top') {
    const after = o.before === undefined ? undefined : decodeRankKey(o.before);
    return readTopPage(store, spec.feeds[0] as string, o.limit, {
      accept,
      after,
      windowDays: o.topWindowDays,
    });
  }
  return accept
    ? readFilteredPage(store, spec.feeds, o.limit, accept, o.before)
    : readPage(store, spec.feeds, o.limit, o.before);
}
