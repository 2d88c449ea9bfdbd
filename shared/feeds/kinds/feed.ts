/** The feeds: one topic, several merged, or all articles, in RSS 2.0, Atom 1.0 or JSON Feed 1.1, paged. */

import { hubLinkHeader } from '../../websub.js';
import type { Snapshot } from '../metadata.js';
import { renderAtom } from '../render/atom.js';
import type { FeedDocument, FeedFormat } from '../render/document.js';
import { renderJson } from '../render/json.js';
import { renderRss } from '../render/rss.js';
import { queryString } from '../request.js';
import { feedLinks, feedPath, htmlUrl, isAll, type Route } from '../routes.js';
import { type FeedsContext, resource } from './kind.js';
import { readEntries, type TopicJob, topicJob, topicVariant } from './topic-read.js';

const RENDERERS: Record<FeedFormat, (doc: FeedDocument) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJson,
};

type FeedJob = TopicJob & { type: FeedFormat };

/** The links of the page a feed job renders (limit and cursor kept: each page is its own topic). */
const selfLinks = (job: FeedJob) =>
  feedLinks(job.base, job.feeds, queryString({ limit: job.limitParam, cursor: job.cursor }));

async function render(ctx: FeedsContext, job: FeedJob, snap: Snapshot): Promise<string> {
  const { config } = ctx;
  const { base, feeds } = job;
  const { entries, names, topicsBase, nextQuery } = await readEntries(ctx, job, snap);
  const all = isAll(feeds);
  return RENDERERS[job.type]({
    title: all ? config.siteTitle : `${names.join(' + ')} · ${config.siteTitle}`,
    description: all
      ? `Every article on ${config.siteTitle}, newest first.`
      : `Articles about ${names.join(', ')} on ${config.siteTitle}, newest first.`,
    siteTitle: config.siteTitle,
    language: ctx.language,
    htmlUrl: htmlUrl(base, feeds),
    id: `${base}${feedPath(feeds, 'atom')}`,
    self: selfLinks(job),
    next: nextQuery ? feedLinks(base, feeds, nextQuery) : undefined,
    hubs: config.hubs,
    topicsBase,
    lastChange: snap.lastChange,
    ttlMinutes: ctx.ttlMinutes,
    entries,
  });
}

export const feedRoute = (ctx: FeedsContext) =>
  resource<Extract<Route, { kind: 'feed' }>, FeedJob, Snapshot>(ctx, {
    prepare: (req, route, base) => topicJob(ctx, req, route.format, route.feeds, base) as FeedJob,
    read: (job) => ctx.snapshots.feeds(job.feeds),
    variant: topicVariant,
    rendering: (job, snap) => {
      const hubs = ctx.config.hubs;
      return {
        type: job.type,
        render: () => render(ctx, job, snap),
        // WebSub discovery: the hubs and the self URL, as a Link header (none without hubs).
        link: hubs?.length ? hubLinkHeader(hubs, selfLinks(job)[job.type]) : undefined,
      };
    },
  });
