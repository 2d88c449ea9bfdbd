/** What every feed format renders from: one page of a feed, its links, its entries. Plain data. */
import type { SafeEntry } from './entry.js';
import { safeDate } from './entry.js';

export type FeedFormat = 'rss' | 'atom' | 'json';

export interface FeedLinks {
  rss: string;
  atom: string;
  json: string;
}

export interface FeedDocument {
  /** Plain text. */
  title: string;
  /** Plain text. */
  description: string;
  siteTitle: string;
  /** BCP 47 language of the articles, when configured. */
  language?: string;
  /** The HTML page of this feed. */
  htmlUrl: string;
  /** A permanent identity of the feed, the same on every page: its first page's Atom URL. */
  id: string;
  /** This page, in each format (the self links). */
  self: FeedLinks;
  /** The next (older) page, in each format, when there is one (RFC 5005). */
  next?: FeedLinks;
  /** WebSub hubs to announce (rel="hub"); the self links name the topic. */
  hubs?: readonly string[];
  /** `https://host/topics/`: a topic slug appended (percent-encoded) gives its page. */
  topicsBase: string;
  /** When the feed last changed, for a page without entries (ISO). */
  lastChange: string;
  /** Suggested polling interval for RSS <ttl>, in minutes. */
  ttlMinutes?: number;
  entries: SafeEntry[];
}

/** The newest entry date of the page (feed-level updated / lastBuildDate); the last change when empty. */
export function documentUpdated(doc: FeedDocument): Date {
  let newest = Number.NEGATIVE_INFINITY;
  for (const e of doc.entries) newest = Math.max(newest, e.updated.getTime());
  return Number.isFinite(newest) ? new Date(newest) : safeDate(doc.lastChange, 0);
}

export const topicUrl = (topicsBase: string, slug: string): string =>
  `${topicsBase}${encodeURIComponent(slug)}`;

export const GENERATOR = 'feedbucket';
export const MEDIA_NS = 'http://search.yahoo.com/mrss/';
