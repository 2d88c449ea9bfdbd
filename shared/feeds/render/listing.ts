/** The list of topics as `topics.json` and as OPML 2.0 subscription lists. Pure. */
import type { FeedFormat, FeedLinks } from './document.js';
import { safeDate } from './entry.js';
import { escapeAttr, escapeHtml } from './escape.js';

export interface TopicListing {
  slug: string;
  name: string;
  count: number;
  lastChange: string;
  /** The topic's HTML page. */
  htmlUrl: string;
  feeds: FeedLinks;
}

/** A provider (source) of articles: its domain, name as first given, count and feeds. */
export interface ProviderListing {
  domain: string;
  name: string;
  count: number;
  lastChange: string;
  /** The provider's HTML page. */
  htmlUrl: string;
  feeds: FeedLinks;
}

export interface SiteListing {
  siteTitle: string;
  homeUrl: string;
  topicsJsonUrl: string;
  opmlUrl: string;
  /** The all-articles feeds. */
  all: FeedLinks;
  allCount: number;
  /** The newest change of any topic (ISO); the epoch when there is none. */
  lastChange: string;
  /** Sorted by slug. */
  topics: TopicListing[];
  /** Sorted by domain (none: the listing has no sources). */
  providers?: ProviderListing[];
  providersJsonUrl?: string;
  /** The OPML list of every provider's RSS feed. */
  providersOpmlUrl?: string;
  /** The top stories of all articles (RSS). */
  topUrl?: string;
}

export function renderTopicsJson(site: SiteListing): string {
  return JSON.stringify({
    title: site.siteTitle,
    home_page_url: site.homeUrl,
    all: { count: site.allCount, feeds: site.all },
    topics: site.topics.map((t) => ({
      slug: t.slug,
      name: t.name,
      count: t.count,
      lastChange: t.lastChange,
      url: t.htmlUrl,
      feeds: t.feeds,
    })),
  });
}

/** `providers.json`: every provider, like `topics.json`. */
export function renderProvidersJson(site: SiteListing): string {
  return JSON.stringify({
    title: site.siteTitle,
    home_page_url: site.homeUrl,
    providers: (site.providers ?? []).map((p) => ({
      domain: p.domain,
      name: p.name,
      count: p.count,
      lastChange: p.lastChange,
      url: p.htmlUrl,
      feeds: p.feeds,
    })),
  });
}

/** Which feeds an OPML list holds: the topics' (the default) or the providers'. */
export type OpmlGroup = 'topics' | 'providers';

const OPML_TYPE: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

/**
 * OPML 2.0: one `type="rss"` outline per topic (or provider) feed (the type readers import as a subscription,
 * whatever the feed's format), inside one folder named after the site.
 */
export function renderOpml(site: SiteListing, format: FeedFormat, group: OpmlGroup = 'topics'): string {
  const folder = escapeAttr(site.siteTitle);
  const items = group === 'providers' ? (site.providers ?? []) : site.topics;
  const outlines = items.map(
    (t) =>
      `      <outline type="rss" text="${escapeAttr(t.name)}" title="${escapeAttr(t.name)}" ` +
      `xmlUrl="${escapeAttr(t.feeds[format])}" htmlUrl="${escapeAttr(t.htmlUrl)}"/>`,
  );
  const modified = safeDate(site.lastChange, 0).toUTCString();
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeHtml(`${site.siteTitle}: every ${group === 'providers' ? 'source' : 'topic'} (${OPML_TYPE[format]})`)}</title>`,
    `    <dateModified>${modified}</dateModified>`,
    '    <docs>http://opml.org/spec2.opml</docs>',
    '  </head>',
    '  <body>',
    `    <outline text="${folder}" title="${folder}">`,
    ...outlines,
    '    </outline>',
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
