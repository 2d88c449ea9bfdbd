/** Reading one page of a feed, or of several topics merged, from the store. */
import type { EntryPage, FeedEntry } from '../../shared/model.js';
import { type FeedStore, positionOf } from '../../shared/store/types.js';

/**
 * The newest `limit` entries strictly before position `before` (newest first).
 * Several feeds: one query each, merged by position; an article in several of them sits at the same position
 * in each (positions are `<published>#<articleId>`), so it appears once. The next position is the last one
 * shown, which every feed's next query starts after: walking the next links yields each article once.
 */
export async function readPage(
  store: FeedStore,
  feeds: string[],
  limit: number,
  before?: string,
): Promise<EntryPage> {
  const [only] = feeds;
  if (feeds.length === 1 && only !== undefined) return store.queryEntries(only, limit, before);

  const pages = await Promise.all(feeds.map((f) => store.queryEntries(f, limit, before)));
  const byPosition = new Map<string, FeedEntry>();
  for (const page of pages) {
    for (const e of page.entries) {
      const p = positionOf(e);
      const seen = byPosition.get(p);
      if (!seen || seen.updated < e.updated) byPosition.set(p, e);
    }
  }
  const positions = [...byPosition.keys()].sort().reverse();
  const shown = positions.slice(0, limit);
  const more = positions.length > limit || pages.some((p) => p.next !== undefined);
  const ids = new Set<string>();
  const entries: FeedEntry[] = [];
  for (const p of shown) {
    const e = byPosition.get(p);
    // While an article moves (its date changed), it may briefly sit at two positions: show it once.
    if (e && !ids.has(e.articleId)) {
      ids.add(e.articleId);
      entries.push(e);
    }
  }
  return { entries, next: more ? shown[shown.length - 1] : undefined };
}
