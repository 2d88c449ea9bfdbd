/**
 * The feeds side of an article record: which feed positions it holds, what a new version leaves pending, and
 * the fan-out that brings feed entries and feed metadata (topics, providers, ALL) in line with it.
 */
import { entryFeeds, providerFeedOf } from '../article/entry-feeds.js';
import type { Article, FeedEntry } from '../article/model.js';
import { providerOfFeed } from '../article/provider-feed.js';
import { ConflictError } from '../errors.js';
import { type ArticleRecord, type FeedPosition, type IngestStore, positionOf } from '../store/types.js';
import { touchFeed } from './feed-names.js';

/** The names an entry gives its feeds: its topics' spellings, its provider's name (none for ALL). */
const namesGiven = (entry: FeedEntry): Map<string, string> => {
  const names = new Map(entry.topics.map((t) => [t.slug, t.name]));
  const provider = providerFeedOf(entry);
  if (provider !== undefined && entry.provider?.name) names.set(provider, entry.provider.name);
  return names;
};

const feedPositions = (record: Pick<ArticleRecord, 'published' | 'entry'>): FeedPosition[] => {
  if (!record.published) return [];
  const position = positionOf(record.entry);
  return entryFeeds(record.entry).map((feed) => ({ feed, position }));
};

const samePosition = (a: FeedPosition, b: FeedPosition) => a.feed === b.feed && a.position === b.position;

/** The record with `stale` = every position the old versions may still hold that the new one does not. */
export function withPending(record: ArticleRecord, old: ArticleRecord | undefined): ArticleRecord {
  const current = feedPositions(record);
  const previous = [...(old?.stale ?? []), ...(old ? feedPositions(old) : [])];
  const stale: FeedPosition[] = [];
  for (const p of previous) {
    if (!current.some((c) => samePosition(c, p)) && !stale.some((s) => samePosition(s, p))) stale.push(p);
  }
  return { ...record, stale, pending: true };
}

/**
 * A file whose content is not shown (another file with the same link is newer) still gave its feeds' names
 * (topics' spellings, its provider's name) at its upload time: had it arrived first, it would have named them.
 * Claiming them here makes the names independent of the order events arrive in.
 */
export async function claimNames(
  store: IngestStore,
  article: Article,
  time: string,
  at: string,
): Promise<void> {
  if (!article.published) return;
  await Promise.all(
    [...namesGiven(article.entry)].map(([slug, name]) =>
      touchFeed(store, { slug, name, nameGivenAt: time, countDelta: 0, at }),
    ),
  );
}

/**
 * Brings feed entries and feed metadata in line with the article record, then clears `pending` (or deletes
 * the record when no file carries the article any more). Adds every feed it may have changed to `changed`.
 */
export async function fanOut(
  store: IngestStore,
  record: ArticleRecord,
  changed: Set<string>,
  at: string,
): Promise<void> {
  // Every feed the article left or is in shows something else now (or may: a crash left it half done).
  for (const { feed } of [...(record.stale ?? []), ...feedPositions(record)]) changed.add(feed);
  const names = namesGiven(record.entry);
  const touch = (feed: string, countDelta: number) =>
    touchFeed(store, {
      slug: feed,
      name: names.get(feed) ?? providerOfFeed(feed) ?? feed,
      // The name was given by the upload shown; feeds it left (or a provider without a name) make no claim.
      nameGivenAt: names.has(feed) ? record.sourceTime : undefined,
      countDelta,
      at,
    });

  await Promise.all(
    (record.stale ?? []).map(async ({ feed, position }) => {
      if (await store.deleteEntry(feed, position, record.version)) await touch(feed, -1);
    }),
  );
  await Promise.all(
    feedPositions(record).map(async ({ feed, position }) => {
      const created = await store.putEntry(feed, position, record.entry, record.version);
      await touch(feed, created ? 1 : 0);
    }),
  );
  try {
    if (Object.keys(record.files).length === 0) {
      await store.deleteArticle(record.articleId, record.version);
    } else {
      const { stale: _stale, pending: _pending, ...done } = record;
      await store.putArticle({ ...done, version: record.version + 1 }, record.version);
    }
  } catch (e) {
    // A newer version was written meanwhile; its own fan-out finishes the work.
    if (!(e instanceof ConflictError)) throw e;
    await dropLeftBehind(store, record, touch);
  }
}

/**
 * After a newer version of the article was written: its fan-out may have finished before this one wrote its
 * entries, and then nobody removes them. Removes (and uncounts) those of this version's entries that the article
 * no longer holds; an entry a newer version wrote is never removed (the removal is conditional on the version).
 */
async function dropLeftBehind(
  store: IngestStore,
  record: ArticleRecord,
  touch: (feed: string, countDelta: number) => Promise<void>,
): Promise<void> {
  const current = await store.getArticle(record.articleId);
  const held = current ? feedPositions(current) : [];
  await Promise.all(
    feedPositions(record)
      .filter((p) => !held.some((h) => samePosition(h, p)))
      .map(async ({ feed, position }) => {
        if (await store.deleteEntry(feed, position, record.version)) await touch(feed, -1);
      }),
  );
}
