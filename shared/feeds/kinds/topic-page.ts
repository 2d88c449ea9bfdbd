/** The HTML page of a topic (or merged topics): its articles, paged, and its feeds. */
import type { Snapshot } from '../metadata.js';
import { renderTopicPage } from '../render/pages.js';
import { feedLinks, htmlUrl, type Route } from '../routes.js';
import { type FeedsContext, resource } from './kind.js';
import { readEntries, type TopicJob, topicJob, topicVariant } from './topic-read.js';

async function render(ctx: FeedsContext, job: TopicJob, snap: Snapshot): Promise<string> {
  const { base, feeds } = job;
  const { entries, names, topicsBase, nextQuery } = await readEntries(ctx, job, snap);
  return renderTopicPage({
    siteTitle: ctx.config.siteTitle,
    homeUrl: `${base}/`,
    title: names.join(' + '),
    count: feeds.reduce((n, f) => n + (snap.metas.get(f)?.count ?? 0), 0),
    feeds: feedLinks(base, feeds, ''),
    topicsBase,
    nextUrl: nextQuery ? `${htmlUrl(base, feeds)}${nextQuery}` : undefined,
    later: job.before !== undefined,
    entries,
  });
}

export const topicPageRoute = (ctx: FeedsContext) =>
  resource<Extract<Route, { kind: 'page' }>, TopicJob, Snapshot>(ctx, {
    prepare: (req, route, base) => topicJob(ctx, req, 'html', route.feeds, base),
    read: (job) => ctx.snapshots.feeds(job.feeds),
    variant: topicVariant,
    rendering: (job, snap) => ({ type: 'html', render: () => render(ctx, job, snap) }),
  });
