/**
 * `/feeds.opml?format=rss|atom|json&group=topics|providers`: every topic (or provider) feed as an OPML 2.0
 * subscription list.
 */
import { HttpError } from '../failure.js';
import type { FeedFormat } from '../render/document.js';
import { type OpmlGroup, renderOpml } from '../render/listing.js';
import { param } from '../request.js';
import type { FeedsContext } from './kind.js';
import { listingRoute } from './listing.js';

const FORMATS = new Set<string>(['rss', 'atom', 'json']);

export const opmlRoute = (ctx: FeedsContext) =>
  listingRoute(
    ctx,
    'opml',
    'opml',
    (site, checked) => {
      // `checked` is the format, then ' providers' for the providers' list (see below).
      const [format, group = 'topics'] = checked.split(' ');
      return renderOpml(site, format as FeedFormat, group as OpmlGroup);
    },
    (req) => {
      const format = param(req.query, 'format') ?? 'rss';
      if (!FORMATS.has(format)) {
        throw new HttpError(400, `format must be rss, atom or json, got "${format.slice(0, 40)}"`);
      }
      const group = param(req.query, 'group') ?? 'topics';
      if (group !== 'topics' && group !== 'providers') {
        throw new HttpError(400, `group must be topics or providers, got "${group.slice(0, 40)}"`);
      }
      // The topics' list keeps the variant it always had.
      return group === 'providers' ? `${format} providers` : format;
    },
  );
