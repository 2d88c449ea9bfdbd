/**
 * Seeds a table with N articles quickly, for row 5: the items ingest leaves for each article, in
 * DynamoStore's shapes (its keys and entryFields), handed to a writer (tools/bench/servers/dynamo.ts), then
 * the topic counts through the store; `verifySeed` reads the table back through DynamoStore, so a drift fails
 * loudly.
 *
 * Articles are made from a base of parsed corpus files (parsing 100,000 would take longer than the rest of
 * the bench): article i takes base i mod B's content and topics, its own link, id and date.
 */
import { PARSER_VERSION, parseArticle } from '../../../shared/article/article.js';
import { ALL, type FeedEntry } from '../../../shared/article/model.js';
import { uuidV5 } from '../../../shared/links.js';
import type { DynamoStore } from '../../../shared/store/dynamodb.js';
import { entryFields } from '../../../shared/store/entry-items.js';
import { articleKey, fileKey } from '../../../shared/store/table-layout.js';
import { type ArticleRecord, type FileRecord, positionOf } from '../../../shared/store/types.js';
import { generateCorpus, prng, TWO_YEARS_MS, UNTIL } from '../../lib/corpus.js';
import { mapLimit } from '../../lib/stats.js';

/**
 * The bases parsed, and what the seeding keeps: articles written so far (ids 0..count-1), articles per feed
 * (topic slug or ALL), topic names, and every position of the watched feed (the bases' most popular topic), to
 * know its newest page.
 */
export function startSeeding(baseCount: number, seed: number) {
  const bases = baseEntries(baseCount, seed);
  return {
    bases,
    count: 0,
    feedCounts: new Map<string, number>(),
    names: new Map<string, string>(),
    watched: [] as string[],
    watchedFeed: mostPopular(bases),
  };
}
type SeedState = ReturnType<typeof startSeeding>;

export const baseEntries = (count: number, seed: number) =>
  [...generateCorpus({ count, seed })].map((f) => parseArticle(f.text).article.entry);

/** The most popular topic of the bases: the feed the scale row watches. */
export const mostPopular = (bases: FeedEntry[]) => {
  const freq = new Map<string, number>();
  for (const e of bases) for (const t of e.topics) freq.set(t.slug, (freq.get(t.slug) ?? 0) + 1);
  return [...freq].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
};

function articleItems(i: number, base: FeedEntry, state: SeedState): Record<string, unknown>[] {
  const rng = prng(i + 1);
  const published = new Date(UNTIL - Math.floor(rng() * TWO_YEARS_MS)).toISOString();
  const url = `${base.url}${base.url.includes('?') ? '&' : '?'}n=${i}`;
  const articleId = uuidV5(url);
  const key = `scale/${String(i).padStart(6, '0')}.txt`;
  const entry: FeedEntry = {
    ...base,
    id: `urn:uuid:${articleId}`,
    articleId,
    url,
    published,
    updated: published,
  };
  const record: ArticleRecord = {
    articleId,
    canonicalUrl: url,
    published: true,
    entry,
    files: { [key]: published },
    sourceKey: key,
    sourceTime: published,
    version: 2,
  };
  const file: FileRecord = {
    key,
    sequencer: '',
    eTag: articleId.slice(0, 8),
    articleId,
    status: 'ok',
    at: published,
    parser: PARSER_VERSION,
  };
  const position = positionOf(entry);
  const feeds = [ALL, ...entry.topics.map((t) => t.slug)];
  for (const t of entry.topics) if (!state.names.has(t.slug)) state.names.set(t.slug, t.name);
  for (const feed of feeds) {
    state.feedCounts.set(feed, (state.feedCounts.get(feed) ?? 0) + 1);
    if (feed === state.watchedFeed) state.watched.push(position);
  }
  return [
    { ...articleKey(articleId), v: 2, article: record },
    { ...fileKey(key), seq: '', file },
    ...feeds.map((feed) => entryFields(feed, position, entry, 2)),
  ];
}

/**
 * Adds articles until the table holds `target`, handing `write` the items of 2,000 articles at a time; then the
 * topic counts through the store.
 */
export async function growTable(
  store: DynamoStore,
  state: SeedState,
  target: number,
  write: (items: Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const before = new Map(state.feedCounts);
  while (state.count < target) {
    const items: Record<string, unknown>[] = [];
    const end = Math.min(target, state.count + 2000);
    for (let i = state.count; i < end; i++)
      items.push(...articleItems(i, state.bases[i % state.bases.length] as FeedEntry, state));
    state.count = end;
    await write(items);
  }
  const at = new Date(UNTIL).toISOString();
  await mapLimit([...state.feedCounts], 8, async ([slug, count]) => {
    const delta = count - (before.get(slug) ?? 0);
    if (delta !== 0)
      await store.touchTopic({ slug, name: state.names.get(slug) ?? slug, countDelta: delta, at });
  });
}

/** Reads the table back through the adapter: counts, the watched feed's newest page, one article. */
export async function verifySeed(store: DynamoStore, state: SeedState): Promise<void> {
  const all = await store.getTopic(ALL);
  if (all?.count !== state.count)
    throw new Error(`seeded ${state.count} articles, the store counts ${all?.count}`);
  const page = await store.queryEntries(state.watchedFeed, 50);
  const expected = [...state.watched].sort().reverse().slice(0, 50);
  const got = page.entries.map((e) => positionOf(e));
  if (JSON.stringify(got) !== JSON.stringify(expected))
    throw new Error(
      `the store's newest page of ${state.watchedFeed} is not the seeded one: item shapes drifted?`,
    );
  const first = page.entries[0];
  const article = first && (await store.getArticle(first.articleId));
  if (!article || article.entry.id !== first?.id)
    throw new Error('a seeded article does not read back through the store');
}
