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

/** An entry read from a feed, with the facts the page rule needs. */
export interface Candidate {
  entry: FeedEntry;
  facts: EntryFacts;
}

/** Entries of one or several feeds merged newest first, as one Query each returns them. */
export interface Merged {
  candidates: Candidate[];
  /** Whether entries may follow the last candidate (its position is where the next read starts). */
  more: boolean;
  /** Entries the Queries returned (what a read budget counts). */
  read: number;
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
  const { candidates, more } = await queryMerged(store, feeds, limit, before);
  const page = new PageTaker(limit, maxBytes);
  let last: string | undefined;
  for (const c of candidates) {
    if (!page.take(c)) break;
    last = c.facts.position;
  }
  const rest = more || last !== candidates[candidates.length - 1]?.facts.position;
  return { entries: await withBodies(store, page.taken), next: rest ? last : undefined };
}

/** One Query per feed (at most `limit` entries each), merged down to the newest cut (see readPage). */
export async function queryMerged(
  store: FeedStore,
  feeds: string[],
  limit: number,
  before?: string,
): Promise<Merged> {
  const pages = await Promise.all(feeds.map((f) => store.queryEntries(f, limit, before)));
  let cut: string | undefined;
  let read = 0;
  const byPosition = new Map<string, Candidate>();
  for (const page of pages) {
    read += page.entries.length;
    if (page.next !== undefined && (cut === undefined || page.next > cut)) cut = page.next;
    page.entries.forEach((entry, i) => {
      const facts = page.facts[i] as EntryFacts;
      const seen = byPosition.get(facts.position);
      if (!seen || seen.entry.updated < entry.updated) byPosition.set(facts.position, { entry, facts });
    });
  }
  const candidates = [...byPosition.keys()]
    .filter((p) => cut === undefined || p >= cut)
    .sort()
    .reverse()
    .map((p) => byPosition.get(p) as Candidate);
  return { candidates, more: cut !== undefined, read };
}

/**
 * The page rule, one candidate at a time: `take` says whether the candidate has its place on the page (the
 * page is then past it) or the page is full (it starts the next page).
 */
export class PageTaker {
  readonly taken: Candidate[] = [];
  private readonly ids = new Set<string>();
  private bytes = 0;
  private bodies = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly maxBytes = PAGE_MAX_BYTES,
  ) {}

  take(c: Candidate): boolean {
    const body = c.facts.bodyVersion !== undefined ? 1 : 0;
    if (
      this.count > 0 &&
      (this.taken.length >= this.limit ||
        this.bytes + c.facts.bytes > this.maxBytes ||
        this.bodies + body > MAX_BODIES_PER_READ)
    ) {
      return false;
    }
    this.count++;
    this.bytes += c.facts.bytes;
    this.bodies += body;
    // While an article moves (its date changed), it may briefly sit at two positions: show it once.
    if (!this.ids.has(c.entry.articleId)) {
      this.ids.add(c.entry.articleId);
      this.taken.push(c);
    }
    return true;
  }

  get full(): boolean {
    return this.taken.length >= this.limit;
  }
}

/** The entries taken, with their bodies read in one request (an article gone since is left out). */
export async function withBodies(store: FeedStore, taken: Candidate[]): Promise<FeedEntry[]> {
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
  return entries;
}
