/**
 * Reading one page of a feed, or of several topics merged, from the store.
 *
 * The page rule: a page takes entries newest first while it holds at most `limit` of them and at most
 * PAGE_MAX_BYTES of entries (each counted at its stored size, body included), and at most MAX_BODIES_PER_READ
 * bodies; it always takes the first. What it leaves starts the next page. A page costs one Query per feed and
 * at most one BatchGetItem for the bodies, whatever the table holds.
 */
import type { EntryFacts, FeedEntry, FeedPage } from '../article/model.js';
import { type FeedStore, MAX_BODIES_PER_READ } from '../store/types.js';

/**
 * The most entry bytes one page holds. A feed renders an entry in at most about 2.6 times its stored size
 * (Atom escapes the HTML body again), and Lambda counts a text body once more with JSON escaping, a compressed
 * one in base64: 1 MiB keeps every answer within a Function URL's 6 MB (the worst case is tested).
 */
export const PAGE_MAX_BYTES = 1024 * 1024;

interface Candidate {
  entry: FeedEntry;
  facts: EntryFacts;
}

/**
 * The newest entries strictly before position `before`, by the page rule above.
 *
 * Several feeds: one Query each, merged by position; an article in several of them sits at the same position
 * in each (positions are `<published>#<articleId>`), so it appears once. A feed whose Query stopped (at
 * `limit`, or at 1 MB) may hold unseen entries below its last one, so a merged page only goes down to the
 * newest such cut: below it, entries of the other feeds would be shown before that feed's, and skipped or
 * repeated by the next page. The next position is the last one shown, which every feed's next Query starts
 * after: walking the next links yields each article once.
 */
export async function readPage(
  store: FeedStore,
  feeds: string[],
  limit: number,
  before?: string,
  maxBytes = PAGE_MAX_BYTES,
): Promise<FeedPage> {
  const pages = await Promise.all(feeds.map((f) => store.queryEntries(f, limit, before)));
  let cut: string | undefined;
  const byPosition = new Map<string, Candidate>();
  for (const page of pages) {
    if (page.next !== undefined && (cut === undefined || page.next > cut)) cut = page.next;
    page.entries.forEach((entry, i) => {
      const facts = page.facts[i] as EntryFacts;
      const seen = byPosition.get(facts.position);
      if (!seen || seen.entry.updated < entry.updated) byPosition.set(facts.position, { entry, facts });
    });
  }
  const positions = [...byPosition.keys()]
    .filter((p) => cut === undefined || p >= cut)
    .sort()
    .reverse();

  const taken: Candidate[] = [];
  const ids = new Set<string>();
  let bytes = 0;
  let bodies = 0;
  let last: string | undefined;
  for (const p of positions) {
    const c = byPosition.get(p) as Candidate;
    const body = c.facts.bodyVersion !== undefined ? 1 : 0;
    if (
      taken.length > 0 &&
      (taken.length >= limit || bytes + c.facts.bytes > maxBytes || bodies + body > MAX_BODIES_PER_READ)
    ) {
      break;
    }
    last = p;
    bytes += c.facts.bytes;
    bodies += body;
    // While an article moves (its date changed), it may briefly sit at two positions: show it once.
    if (ids.has(c.entry.articleId)) continue;
    ids.add(c.entry.articleId);
    taken.push(c);
  }
  const more = cut !== undefined || last !== positions[positions.length - 1];

  const wanted = taken
    .filter((c) => c.facts.bodyVersion !== undefined)
    .map((c) => ({ articleId: c.entry.articleId, version: c.facts.bodyVersion as number }));
  const found = wanted.length > 0 ? await store.getBodies(wanted) : undefined;
  const entries: FeedEntry[] = [];
  for (const { entry, facts } of taken) {
    if (facts.bodyVersion === undefined) {
      entries.push(entry);
      continue;
    }
    const body = found?.get(entry.articleId);
    // An article removed since its entry was read is left out (its entry goes with the same change).
    if (body !== undefined) entries.push(body === '' ? entry : { ...entry, contentHtml: body });
  }
  return { entries, next: more ? last : undefined };
}
