/** `/topics.json`: every topic with its count, last change and feeds, for programs. */
import { renderTopicsJson } from '../render/listing.js';
import type { FeedsContext } from './kind.js';
import { listingRoute } from './listing.js';

export const topicsJsonRoute = (ctx: FeedsContext) =>
  listingRoute(ctx, 'topics-json', 'topics', renderTopicsJson);
