/** `/feeds.opml?format=rss|atom|json`: every topic feed as an OPML 2.0 subscription list. */
import { HttpError } from '../failure.js';
import type { FeedFormat } from '../render/document.js';
import { renderOpml } from '../render/listing.js';
import { param } from '../request.js';
import type { FeedsContext } from './kind.js';
import { listingRoute } from './listing.js';

const FORMATS = new Set<string>(['rss', 'atom', 'json']);

export const opmlRoute = (ctx: FeedsContext) =>
  listingRoute(
    ctx,
    'opml',
    'opml',
    (site, format) => renderOpml(site, format as FeedFormat),
    (req) => {
      const format = param(req.query, 'format') ?? 'rss';
      if (!FORMATS.has(format)) {
        throw new HttpError(400, `format must be rss, atom or json, got "${format.slice(0, 40)}"`);
      }
      return format;
    },
  );
