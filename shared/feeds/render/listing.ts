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

const OPML_TYPE: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

/**
 * OPML 2.0: one `type="rss"` outline per topic feed (the type readers import as a subscription, whatever the
 * feed's format), inside one folder named after the site.
 */
export function renderOpml(site: SiteListing, format: FeedFormat): string {
  const folder = escapeAttr(site.siteTitle);
  const outlines = site.topics.map(
    (t) =>
      `      <outline type="rss" text="${escapeAttr(t.name)}" title="${escapeAttr(t.name)}" ` +
      `xmlUrl="${escapeAttr(t.feeds[format])}" htmlUrl="${escapeAttr(t.htmlUrl)}"/>`,
  );
  const modified = safeDate(site.lastChange, 0).toUTCString();
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeHtml(`${site.siteTitle}: every topic (${OPML_TYPE[format]})`)}</title>`,
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
