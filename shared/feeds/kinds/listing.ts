/**
 * What the listings share (the index page, topics.json, providers.json, OPML): the topic and provider list
 * read, and their links.
 */
import { ALL } from '../../article/model.js';
import type { BodyType } from '../conditional.js';
import type { Listing } from '../metadata.js';
import type { SiteListing } from '../render/listing.js';
import type { FeedsRequest } from '../request.js';
import { feedLinks, type Route, topicPath } from '../routes.js';
import { providerFeedLinks, providerPath, topFeedLinks } from '../tailored-routes.js';
import { type FeedsContext, type RouteHandler, resource } from './kind.js';

type ListingRoute = Extract<Route, { kind: 'index' | 'topics-json' | 'providers-json' | 'opml' }>;

interface ListingJob {
  base: string;
  /** The feed format an OPML list links to; '' for the others. */
  format: string;
}

function siteListing(ctx: FeedsContext, base: string, l: Listing): SiteListing {
  return {
    siteTitle: ctx.config.siteTitle,
    homeUrl: `${base}/`,
    topicsJsonUrl: `${base}/topics.json`,
    opmlUrl: `${base}/feeds.opml`,
    all: feedLinks(base, [ALL], ''),
    allCount: l.all?.count ?? 0,
    lastChange: l.lastChange,
    topics: l.topics.map((t) => ({
      slug: t.slug,
      name: t.name,
      count: t.count,
      lastChange: t.lastChange,
      htmlUrl: `${base}${topicPath([t.slug])}`,
      feeds: feedLinks(base, [t.slug], ''),
    })),
    providers: l.providers.map((p) => ({
      domain: p.domain,
      name: p.name,
      count: p.count,
      lastChange: p.lastChange,
      htmlUrl: `${base}${providerPath(p.domain)}`,
      feeds: providerFeedLinks(base, p.domain),
    })),
    providersJsonUrl: `${base}/providers.json`,
    providersOpmlUrl: `${base}/feeds.opml?group=providers`,
    topUrl: topFeedLinks(base, ALL).rss,
  };
}

/**
 * A listing of every topic and provider, rendered by `render`; `format` reads and checks the parameters when
 * there are some (their checked value is part of the variant).
 */
export function listingRoute<R extends ListingRoute>(
  ctx: FeedsContext,
  kind: R['kind'],
  type: BodyType,
  render: (site: SiteListing, format: string) => string,
  format: (req: FeedsRequest) => string = () => '',
): RouteHandler<R> {
  return resource<R, ListingJob, Listing>(ctx, {
    prepare: (req, _route, base) => ({ base, format: format(req) }),
    read: () => ctx.snapshots.listing(),
    variant: (job) => `${kind}|${job.format}|${job.base}`,
    rendering: (job, listing) => ({
      type,
      render: async () => render(siteListing(ctx, job.base, listing), job.format),
    }),
  });
}
