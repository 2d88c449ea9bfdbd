/**
 * What a feed and a web page of any kind (topics, provider, top stories) share: their parameters (limit,
 * cursor, the tailoring), the check that their feeds exist, and the read of one page of entries, made safe to
 * render, with the query of the next page.
 */
import { ALL } from '../../article/model.js';
import { type BodyType, NOT_FOUND_CACHING } from '../conditional.js';
import { CursorError } from '../cursor.js';
import { HttpError } from '../failure.js';
import type { Snapshot } from '../metadata.js';
import { ParamError, parseTailoring, type Tailoring } from '../params.js';
import { type SafeEntry, safeEntry } from '../render/entry.js';
import { type FeedsRequest, param, queryString } from '../request.js';
import { cursorFits, cursorKeyOf, type FeedSpec, readSpecPage } from '../tailored.js';
import type { FeedsContext } from './kind.js';

export interface TopicJob {
  type: Extract<BodyType, 'rss' | 'atom' | 'json' | 'html'>;
  spec: FeedSpec;
  /** The spec's feed ids: topic slugs (sorted, unique) or [ALL]; a provider's; a top feed's topic. */
  feeds: string[];
  base: string;
  limit: number;
  /** The limit as asked (kept in the links). */
  limitParam?: string;
  cursor?: string;
  /** The position (a top feed's: rank key) the cursor carries. */
  before?: string;
  /** Filters and quality floor asked (RSSHub's parameters, minQuality). */
  tailoring: Tailoring;
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
  spec: FeedSpec,
  base: string,
): TopicJob {
  const { feeds } = spec;
  if (feeds.length > ctx.maxMergedTopics) {
    throw new HttpError(400, `at most ${ctx.maxMergedTopics} topics can be merged in one feed`);
  }
  const limitParam = param(req.query, 'limit');
  const limit = parseLimit(ctx, limitParam, feeds.length > 1);
  let tailoring: Tailoring;
  try {
    tailoring = parseTailoring(req.query);
  } catch (e) {
    if (e instanceof ParamError) throw new HttpError(400, e.message);
    throw e;
  }
  const cursor = param(req.query, 'cursor');
  let before: string | undefined;
  if (cursor !== undefined) {
    try {
      before = ctx.cursors.decode(cursorKeyOf(spec), cursor);
    } catch (e) {
      if (e instanceof CursorError) throw new HttpError(400, e.message);
      throw e;
    }
    if (!cursorFits(spec, before))
      throw new HttpError(400, 'cursor is malformed: use the next link as it is');
  }
  return { type, spec, feeds, base, limit, limitParam, cursor, before, tailoring };
}

/** The query of a page of this feed: limit, the tailoring (canonical), the cursor; '' when none. */
export function pageQuery(job: TopicJob, cursor: string | undefined): string {
  const parts = [
    queryString({ limit: job.limitParam }).slice(1),
    job.tailoring.key,
    queryString({ cursor }).slice(1),
  ].filter((p) => p !== '');
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The cache variant of a feed or page, once its topics are known to exist (else a 404 naming them). */
export function topicVariant(job: TopicJob, snap: Snapshot): string {
  const unknown = job.feeds.filter((f) => f !== ALL && !snap.metas.has(f));
  if (unknown.length > 0) {
    const message =
      job.spec.of === 'provider'
        ? `No provider "${job.spec.domain}" here. Every provider, with its feeds, is listed at ${job.base}/providers.json`
        : `No topic ${unknown.map((u) => `"${u}"`).join(', ')} here. Every topic, with its feeds, is listed at ${job.base}/topics.json`;
    throw new HttpError(404, message, { 'cache-control': NOT_FOUND_CACHING });
  }
  // Everything the bytes depend on besides the revisions; a plain topic feed's variant is as it always was.
  const of = job.spec.of === 'topics' ? '' : `|${job.spec.of}`;
  const tailored = job.tailoring.key === '' ? '' : `|${job.tailoring.key}`;
  return `${job.type}|${job.feeds.join(',')}|${job.limitParam ?? ''}|${job.cursor ?? ''}|${job.base}${of}${tailored}`;
}

export interface TopicEntries {
  entries: SafeEntry[];
  /** The topics' names ([ALL] is the site's title). */
  names: string[];
  topicsBase: string;
  /** The query of the next page (limit and cursor), when there is one. */
  nextQuery?: string;
}

/** One page of entries of the job's feed (cache misses only). */
export async function readEntries(ctx: FeedsContext, job: TopicJob, snap: Snapshot): Promise<TopicEntries> {
  const { spec, feeds, base, limit, before, tailoring } = job;
  const page = await readSpecPage(ctx.store, spec, {
    limit,
    before,
    tailoring,
    topWindowDays: ctx.config.topWindowDays,
  });
  const names = feeds.map((f) =>
    f === ALL ? ctx.config.siteTitle : (snap.metas.get(f)?.name ?? spec.domain ?? f),
  );
  const topicsBase = `${base}/topics/`;
  const entries = page.entries.map((e) => safeEntry(e, { topicsBase, home: `${base}/` }));
  const nextQuery = page.next ? pageQuery(job, ctx.cursors.encode(cursorKeyOf(spec), page.next)) : undefined;
  return { entries, names, topicsBase, nextQuery };
}
