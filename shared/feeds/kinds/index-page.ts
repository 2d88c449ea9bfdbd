/** The home page: every topic, with its feeds. */
import { renderIndexPage } from '../render/pages.js';
import type { FeedsContext } from './kind.js';
import { listingRoute } from './listing.js';

export const indexPageRoute = (ctx: FeedsContext) => listingRoute(ctx, 'index', 'html', renderIndexPage);
