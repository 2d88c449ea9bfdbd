/**
 * One page of a filtered feed, at a bounded cost: entries are read newest first, in Queries of growing size,
 * until the page is full by the page rule or FILTER_READ_BUDGET entries have been read. The next position is
 * the last entry looked at, matched or not, so a reader following the next links sees every match once,
 * however rare: a page may hold few matches, or none, and still link the next one.
 */
import type { FeedPage } from '../article/model.js';
import type { FeedStore } from '../store/types.js';
import type { EntryTest } from './filters.js';
import { PAGE_MAX_BYTES, PageTaker, queryMerged, withBodies } from './pages.js';

/** The most entries one filtered page reads from the table (summed over the feeds of a merged page). */
export const FILTER_READ_BUDGET = 500;

export interface FilteredPage extends FeedPage {
  /** Entries read from the table for this page. */
  read: number;
}

export async function readFilteredPage(
  store: FeedStore,
  feeds: string[],
  limit: number,
  accept: EntryTest,
  before?: string,
  options: { budget?: number; maxBytes?: number } = {},
): Promise<FilteredPage> {
  // Each Query reads at least one entry per feed: a budget below that reads one each.
  const budget = Math.max(options.budget ?? FILTER_READ_BUDGET, feeds.length);
  const page = new PageTaker(limit, options.maxBytes ?? PAGE_MAX_BYTES);
  let read = 0;
  let from = before;
  // The first Query asks for the page's size; each next one for twice as many (a rare match reads far).
  let ask = limit;
  let last: string | undefined;
  let rest = false;
  for (;;) {
    const perFeed = Math.min(ask, Math.floor((budget - read) / feeds.length));
    const merged = await queryMerged(store, feeds, perFeed, from);
    read += merged.read;
    let stopped = false;
    for (const c of merged.candidates) {
      if (accept(c.entry)) {
        if (!page.take(c)) {
          stopped = true;
          break;
        }
      }
      last = c.facts.position;
      if (page.full) {
        stopped = c !== merged.candidates[merged.candidates.length - 1];
        break;
      }
    }
    if (stopped || page.full) {
      rest = stopped || merged.more;
      break;
    }
    if (!merged.more || last === undefined) break;
    if (budget - read < feeds.length) {
      rest = true;
      break;
    }
    from = last;
    ask *= 2;
  }
  return { entries: await withBodies(store, page.taken), next: rest ? last : undefined, read };
}
