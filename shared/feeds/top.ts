/**
 * Top stories: the articles of a feed published within a window ending at its newest article (not at the
 * clock: the same data gives the same feed), ordered by heat from highest (an article without heat ranks
 * below every heat), ties by date, newest first, then by id. The window is read newest first with a budget
 * of TOP_READ_BUDGET entries: past it, the older part of the window is left out of the ranking (the feed says
 * nothing false, it ranks the newest entries only). Pages follow the ranking: a cursor carries the rank key of
 * the last entry shown, and the next page holds what ranks after it.
 */
import type { FeedEntry, FeedPage } from '../article/model.js';
import { DEFAULT_TOP_WINDOW_DAYS } from '../config.js';
import type { FeedStore } from '../store/types.js';
import type { EntryTest } from './filters.js';
import { type Candidate, PAGE_MAX_BYTES, PageTaker, withBodies } from './pages.js';

/** The most entries a top feed reads of its window. */
export const TOP_READ_BUDGET = 1000;
const DAY_MS = 86_400_000;

export interface TopWindow {
  /** The window's entries, newest first. */
  candidates: Candidate[];
  /** Entries read from the table. */
  read: number;
  /** True when the budget ended the read before the window's start. */
  truncated: boolean;
}

/** The entries of `feed` published at most `windowMs` before its newest one, newest first, within budget. */
export async function readWindow(
  store: FeedStore,
  feed: string,
  windowMs: number,
  budget = TOP_READ_BUDGET,
): Promise<TopWindow> {
  const candidates: Candidate[] = [];
  let read = 0;
  let start: number | undefined;
  let from: string | undefined;
  let ask = Math.min(100, budget);
  for (;;) {
    const page = await store.queryEntries(feed, Math.min(ask, budget - read), from);
    read += page.entries.length;
    for (let i = 0; i < page.entries.length; i++) {
      const entry = page.entries[i] as FeedEntry;
      const t = Date.parse(entry.published);
      start ??= t - windowMs;
      if (!(t >= start)) return { candidates, read, truncated: false };
      candidates.push({ entry, facts: page.facts[i] as Candidate['facts'] });
    }
    if (page.next === undefined) return { candidates, read, truncated: false };
    if (read >= budget) return { candidates, read, truncated: true };
    from = page.next;
    ask *= 2;
  }
}

const heatOf = (e: FeedEntry): number =>
  typeof e.heat === 'number' && Number.isFinite(e.heat) ? e.heat : Number.NEGATIVE_INFINITY;

/** Where an entry ranks: its heat and its feed position. */
export interface RankKey {
  heat: number;
  position: string;
}

export const rankKeyOf = (c: Candidate): RankKey => ({ heat: heatOf(c.entry), position: c.facts.position });

/** Negative when `a` ranks before `b`. */
export function compareRank(a: RankKey, b: RankKey): number {
  if (a.heat !== b.heat) return a.heat > b.heat ? -1 : 1;
  return a.position > b.position ? -1 : a.position < b.position ? 1 : 0;
}

/** The candidates in top-story order (a new array). */
export const rankTop = (candidates: Candidate[]): Candidate[] =>
  [...candidates].sort((a, b) => compareRank(rankKeyOf(a), rankKeyOf(b)));

/** A rank key as cursor text (`<heat>~<position>`; an empty heat for none), and back. */
export const encodeRankKey = (k: RankKey): string =>
  `${Number.isFinite(k.heat) ? String(k.heat) : ''}~${k.position}`;

export function decodeRankKey(text: string): RankKey | undefined {
  const i = text.indexOf('~');
  if (i < 0) return undefined;
  const h = text.slice(0, i);
  const heat = h === '' ? Number.NEGATIVE_INFINITY : Number(h);
  if (Number.isNaN(heat)) return undefined;
  return { heat, position: text.slice(i + 1) };
}

export interface TopPage extends FeedPage {
  read: number;
  truncated: boolean;
}

export interface TopOptions {
  windowDays?: number;
  budget?: number;
  maxBytes?: number;
  accept?: EntryTest;
  /** The rank key of the last entry of the previous page. */
  after?: RankKey;
}

/** One page of the top stories of `feed`; `next` is an encoded rank key. */
export async function readTopPage(
  store: FeedStore,
  feed: string,
  limit: number,
  options: TopOptions = {},
): Promise<TopPage> {
  const windowMs = (options.windowDays ?? DEFAULT_TOP_WINDOW_DAYS) * DAY_MS;
  const win = await readWindow(store, feed, windowMs, options.budget);
  const { accept, after } = options;
  const ranked = rankTop(
    win.candidates.filter(
      (c) => (!accept || accept(c.entry)) && (!after || compareRank(rankKeyOf(c), after) > 0),
    ),
  );
  const page = new PageTaker(limit, options.maxBytes ?? PAGE_MAX_BYTES);
  let shown = 0;
  for (const c of ranked) {
    if (!page.take(c)) break;
    shown++;
  }
  const last = ranked[shown - 1];
  const next = last && shown < ranked.length ? encodeRankKey(rankKeyOf(last)) : undefined;
  return { entries: await withBodies(store, page.taken), next, read: win.read, truncated: win.truncated };
}
