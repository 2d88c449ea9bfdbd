/**
 * The feeds: one topic, several merged, all articles, a provider's, or top stories, in RSS 2.0, Atom 1.0 or
 * JSON Feed 1.1, paged and tailored by the request's parameters.
 */

import { hubLinkHeader } from '../../websub.js';
import type { Snapshot } from '../metadata.js';
import { renderAtom } from '../render/atom.js';
import type { FeedDocument, FeedFormat } from '../render/document.js';
import { renderJson } from '../render/json.js';
import { renderRss } from '../render/rss.js';
import type { Route } from '../routes.js';
import { feedSpec, specHtmlUrl, specLinks, specTitles } from '../tailored.js';
import { type FeedsContext, resource } from './kind.js';
import { pageQuery, readEntries, type TopicJob, topicJob, topicVariant } from './topic-read.js';

const RENDERERS: Record<FeedFormat, (doc: FeedDocument) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJson,
};

type FeedJob = TopicJob & { type: FeedFormat };

/** The links of the page a feed job renders (limit, tailoring and cursor kept: each page is its own topic). */
const selfLinks = (job: FeedJob) => specLinks(job.base, job.spec, pageQuery(job, job.cursor));

async function render(ctx: FeedsContext, job: FeedJob, snap: Snapshot): Promise<string> {
  const { config } = ctx;
  const { base, spec } = job;
  const { entries, names, topicsBase, nextQuery } = await readEntries(ctx, job, snap);
  return RENDERERS[job.type]({
    ...specTitles(spec, names, config.siteTitle),
    siteTitle: config.siteTitle,
    language: ctx.language,
    htmlUrl: specHtmlUrl(base, spec),
    id: specLinks(base, spec, '').atom,
    self: selfLinks(job),
    next: nextQuery ? specLinks(base, spec, nextQuery) : undefined,
    // Top stories are not announced to hubs (publish pings the feeds a change names): readers poll them.
    hubs: spec.of === 'top' ? undefined : config.hubs,
    topicsBase,
    lastChange: snap.lastChange,
    ttlMinutes: ctx.ttlMinutes,
    entries,
  });
}

export const feedRoute = (ctx: FeedsContext) =>
  resource<Extract<Route, { kind: 'feed' | 'provider-feed' | 'top-feed' }>, FeedJob, Snapshot>(ctx, {
    prepare: (req, route, base) => topicJob(ctx, req, route.format, feedSpec(route), base) as FeedJob,
    read: (job) => ctx.snapshots.feeds(job.feeds),
    variant: topicVariant,
    rendering: (job, snap) => {
      const hubs = job.spec.of === 'top' ? undefined : ctx.config.hubs;
      return {
        type: job.type,
        render: () => render(ctx, job, snap),
        // WebSub discovery: the hubs and the self URL, as a Link header (none without hubs).
        link: hubs?.length ? hubLinkHeader(hubs, selfLinks(job)[job.type]) : undefined,
      };
    },
  });
