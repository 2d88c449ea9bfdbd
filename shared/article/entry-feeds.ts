/** Which feeds an article's entry is in: ALL, each of its topics, and its provider's (see provider-feed.ts). */
import { ALL, type FeedEntry } from './model.js';
import { providerFeed } from './provider-feed.js';

/** The feed of the entry's provider, if it names a domain that is a plain host name. */
export const providerFeedOf = (entry: Pick<FeedEntry, 'provider'>): string | undefined =>
  entry.provider?.domain === undefined ? undefined : providerFeed(entry.provider.domain);

/** The feeds an entry is in: ALL, its topics, its provider's. */
export function entryFeeds(entry: Pick<FeedEntry, 'topics' | 'provider'>): string[] {
  const provider = providerFeedOf(entry);
  return [ALL, ...entry.topics.map((t) => t.slug), ...(provider === undefined ? [] : [provider])];
}
