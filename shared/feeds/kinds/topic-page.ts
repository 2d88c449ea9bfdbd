/** The HTML page of a topic (or merged topics) or of a provider: its articles, paged, and its feeds. */
import { ALL } from '../../article/model.js';
import type { Snapshot } from '../metadata.js';
import { renderTopicPage } from '../render/pages.js';
import type { Route } from '../routes.js';
import { feedSpec, specHtmlUrl, specLinks } from '../tailored.js';
import { topFeedLinks } from '../tailored-routes.js';
import { type FeedsContext, resource } from './kind.js';
import { readEntries, type TopicJob, topicJob, topicVariant } from './topic-read.js';

async function render(ctx: FeedsContext, job: TopicJob, snap: Snapshot): Promise<string> {
  const { base, feeds, spec } = job;
  const [only] = feeds;
  const oneTopic = spec.of === 'topics' && feeds.length === 1 && only !== undefined && only !== ALL;
  const { entries, names, topicsBase, nextQuery } = await readEntries(ctx, job, snap);
  return renderTopicPage({
    siteTitle: ctx.config.siteTitle,
    homeUrl: `${base}/`,
    title: names.join(' + '),
    count: feeds.reduce((n, f) => n + (snap.metas.get(f)?.count ?? 0), 0),
    feeds: specLinks(base, spec, ''),
    topicsBase,
    nextUrl: nextQuery ? `${specHtmlUrl(base, spec)}${nextQuery}` : undefined,
    later: job.before !== undefined,
    entries,
    top: oneTopic ? topFeedLinks(base, only) : undefined,
    of: spec.of === 'provider' ? 'provider' : 'topic',
  });
}

export const topicPageRoute = (ctx: FeedsContext) =>
  resource<Extract<Route, { kind: 'page' | 'provider-page' }>, TopicJob, Snapshot>(ctx, {
    prepare: (req, route, base) => topicJob(ctx, req, 'html', feedSpec(route), base),
    read: (job) => ctx.snapshots.feeds(job.feeds),
    variant: topicVariant,
    rendering: (job, snap) => ({ type: 'html', render: () => render(ctx, job, snap) }),
  });
