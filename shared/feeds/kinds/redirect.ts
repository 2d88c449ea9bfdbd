/** A path that is not canonical (or an old address): 301 to the canonical one, the query kept. */
import { REDIRECT_CACHING } from '../conditional.js';
import { plain } from '../failure.js';
import { rawQuery } from '../request.js';
import type { Route } from '../routes.js';
import type { RouteHandler } from './kind.js';

export const redirectRoute: RouteHandler<Extract<Route, { kind: 'redirect' }>> = (req, route, base) => {
  const q = rawQuery(req.query);
  const location = `${base}${route.path}${q ? `?${q}` : ''}`;
  return plain(301, `Moved to ${location}`, { location, 'cache-control': REDIRECT_CACHING });
};
