/** `/providers.json`: every provider (source) with its name, count, last change and feeds, for programs. */
import { renderProvidersJson } from '../render/listing.js';
import type { FeedsContext } from './kind.js';
import { listingRoute } from './listing.js';

export const providersJsonRoute = (ctx: FeedsContext) =>
  listingRoute(ctx, 'providers-json', 'topics', renderProvidersJson);
