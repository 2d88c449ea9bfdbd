/**
 * Provider feeds: the articles of one provider (`provider.domain`), as a feed beside the topics'. A feed is
 * named by a string: ALL is `_all`, a topic its slug (never starting with `_`), a provider `_p:<domain>`.
 *
 * The domain is normalized to a plain host name: lower case, internationalized names in their ASCII form
 * ("Bücher.de" -> "xn--bcher-kva.de", node:url's domainToASCII), no trailing dot, no scheme, port, path or
 * user; labels of letters, digits and inner hyphens (at most 63 characters), 253 characters in all, as DNS
 * allows. So a feed id takes at most 257 bytes, well within the table's key limits.
 */
import { domainToASCII } from 'node:url';

/** How a provider's feed id starts. */
export const PROVIDER_FEED_PREFIX = '_p:';
/** The longest domain kept, in characters (ASCII): DNS's limit for a name. */
export const MAX_DOMAIN_LENGTH = 253;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
/** What a plain host name never holds: a scheme, port, path, query, user, brackets or spaces. */
const NOT_A_HOST = /[\s/:@?#\\[\]%]/;

/** The normalized form of a provider's domain, or undefined when it is not a plain host name. */
export function providerDomain(raw: string): string | undefined {
  const trimmed = raw.trim().replace(/\.$/, '');
  if (trimmed === '' || trimmed.length > 4 * MAX_DOMAIN_LENGTH || NOT_A_HOST.test(trimmed)) return undefined;
  const ascii = domainToASCII(trimmed.toLowerCase());
  return ascii.length <= MAX_DOMAIN_LENGTH && HOST.test(ascii) ? ascii : undefined;
}

/** The feed id of a provider's articles, or undefined when `domain` is not a plain host name. */
export function providerFeed(domain: string): string | undefined {
  const normalized = providerDomain(domain);
  return normalized === undefined ? undefined : `${PROVIDER_FEED_PREFIX}${normalized}`;
}

/** The domain a provider feed id names; undefined for any other feed (ALL, a topic). */
export function providerOfFeed(feed: string): string | undefined {
  if (!feed.startsWith(PROVIDER_FEED_PREFIX)) return undefined;
  const domain = feed.slice(PROVIDER_FEED_PREFIX.length);
  return providerDomain(domain) === domain ? domain : undefined;
}

/** Whether a feed id is a provider's. */
export const isProviderFeed = (feed: string): boolean => providerOfFeed(feed) !== undefined;
