/**
 * What a feed and a topic page share: their parameters (limit, cursor), the check that their topics exist,
 * and the read of one page of entries, made safe to render, with the query of the next page.
 */
import { ALL } from '../../article/model.js';
import { type BodyType, NOT_FOUND_CACHING } from '../conditional.js';
import { CursorError } from '../cursor.js';
import { HttpError } from '../failure.js';
import type { Snapshot } from '../metadata.js';
import { readPage } from '../pages.js';
import { type SafeEntry, safeEntry } from '../render/entry.js';
import { type FeedsRequest, param, queryString } from '../request.js';
import type { FeedsContext } from './kind.js';

export interface TopicJob {
  type: Extract<BodyType, 'rss' | 'atom' | 'json' | 'html'>;
  /** Topic slugs (sorted, unique) or [ALL]. */
  feeds: string[];
  base: string;
  limit: number;
  /** The limit as asked (kept in the links). */
  limitParam?: string;
  cursor?: string;
  /** The position the cursor carries. */
  before?: string;
}

/** The page size asked; merged feeds (one Query per topic) have their own, lower ceiling. */
function parseLimit(ctx: FeedsContext, raw: string | undefined, merged: boolean): number {
  const max = merged ? ctx.mergedMaxLimit : ctx.config.maxLimit;
  if (raw === undefined) return Math.min(ctx.config.defaultLimit, max);
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= max)) {
    throw new HttpError(
      400,
      `limit must be a whole number from 1 to ${max}${merged ? ' for merged topics' : ''}, got "${raw.slice(0, 40)}"`,
    );
  }
  return n;
}

/** A feed's or page's parameters, checked. */
export function topicJob(
  ctx: FeedsContext,
  req: FeedsRequest,
  type: TopicJob['type'],
  feeds: string[],
  base: string,
): TopicJob {
  if (feeds.length > ctx.maxMergedTopics) {
    throw new HttpError(400, `at most ${ctx.maxMergedTopics} topics can be merged in one feed`);
  }
  const limitParam = param(req.query, 'limit');
  const limit = parseLimit(ctx, limitParam, feeds.length > 1);
  const cursor = param(req.query, 'cursor');
  let before: string | undefined;
  if (cursor !== undefined) {
    try {
      before = ctx.cursors.decode(feeds.join(','), cursor);
    } catch (e) {
      if (e instanceof CursorError) throw new HttpError(400, e.message);
      throw e;
    }
  }
  return { type, feeds, base, limit, limitParam, cursor, before };
}

/** The cache variant of a feed or page, once its topics are known to exist (else a 404 naming them). */
export function topicVariant(job: TopicJob, snap: Snapshot): string {
  const unknown = job.feeds.filter((f) => f !== ALL && !snap.metas.has(f));
  if (unknown.length > 0) {
    const names = unknown.map((u) => `"${u}"`).join(', ');
    throw new HttpError(
      404,
      `No topic ${names} here. Every topic, with its feeds, is listed at ${job.base}/topics.json`,
      { 'cache-control': NOT_FOUND_CACHING },
    );
  }
  return `${job.type}|${job.feeds.join(',')}|${job.limitParam ?? ''}|${job.cursor ?? ''}|${job.base}`;
}

export interface TopicEntries {
  entries: SafeEntry[];
  /** The topics' names ([ALL] is the site's title). */
  names: string[];
  topicsBase: string;
  /** The query of the next page (limit and cursor), when there is one. */
  nextQuery?: string;
}

/** One page of entries of the job's topics (cache misses only). */
export async function readEntries(ctx: FeedsContext, job: TopicJob, snap: Snapshot): Promise<TopicEntries> {
  const { feeds, base, limit, limitParam, before } = job;
  const page = await readPage(ctx.store, feeds, limit, before);
  const names = feeds.map((f) => (f === ALL ? ctx.config.siteTitle : (snap.metas.get(f)?.name ?? f)));
  const topicsBase = `${base}/topics/`;
  const entries = page.entries.map((e) => safeEntry(e, { topicsBase, home: `${base}/` }));
  const nextQuery = page.next
    ? queryString({ limit: limitParam, cursor: ctx.cursors.encode(feeds.join(','), page.next) })
    : undefined;
  return { entries, names, topicsBase, nextQuery };
}
