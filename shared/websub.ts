/**
 * WebSub (W3C Recommendation, formerly PubSubHubbub), the publisher's side: which hubs are configured, the
 * URLs a changed feed is known by (its self URLs, one per format), and the discovery Link header.
 */
import { ALL } from './article/model.js';
import { providerOfFeed } from './article/provider-feed.js';

/** The feeds a batch of ingested events changed: topic slugs and/or ALL. */
export type ChangedFeeds = ReadonlySet<string>;

/** The body of one message from the ingest function to the publisher: the feeds one batch changed. */
export interface ChangeMessage {
  feeds: string[];
}

/** Why a hub list cannot be used, or undefined. Hubs are absolute http(s) URLs without credentials. */
export function hubProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${raw}" is not an http(s) URL`;
  if (url.username || url.password) return `"${raw}" carries credentials`;
  if (url.hash) return `"${raw}" has a fragment`;
  return undefined;
}

/**
 * Parses a comma-separated list of hub URLs (WEBSUB_HUBS); duplicates are dropped. Throws with every problem
 * named, for the caller to prefix with the setting's name.
 */
export function parseHubs(list: string | readonly string[] | undefined): string[] {
  const items = (typeof list === 'string' ? list.split(',') : (list ?? []))
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const problems = items.map(hubProblem).filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return [...new Set(items.map((h) => new URL(h).href))];
}

const FILES = ['rss.xml', 'atom.xml', 'feed.json'] as const;

/**
 * The self URLs of a feed's first page in every format: `<base>/rss.xml` … for ALL, `<base>/topics/<slug>/rss.xml` …
 * for a topic, `<base>/providers/<domain>/rss.xml` … for a provider's feed (`_p:<domain>`): the same URLs the
 * feeds function writes as rel="self".
 */
export function feedSelfUrls(base: string, feed: string): string[] {
  const domain = providerOfFeed(feed);
  const dir =
    feed === ALL ? '' : domain !== undefined ? `/providers/${domain}` : `/topics/${encodeURIComponent(feed)}`;
  return FILES.map((f) => `${base}${dir}/${f}`);
}

/** `<hub>; rel="hub", …, <self>; rel="self"`: WebSub discovery in an HTTP Link header (RFC 8288). */
export function hubLinkHeader(hubs: readonly string[], self: string): string {
  return [...hubs.map((h) => `<${h}>; rel="hub"`), `<${self}>; rel="self"`].join(', ');
}
