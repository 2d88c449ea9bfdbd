/** Paths that name nothing here (404) or cannot be read (400): refused with the reason routes.ts found. */
import { NOT_FOUND_CACHING } from '../conditional.js';
import { HttpError } from '../failure.js';
import type { Route } from '../routes.js';
import type { RouteHandler } from './kind.js';

export const notFoundRoute: RouteHandler<Extract<Route, { kind: 'not-found' }>> = (_req, route, base) => {
  throw new HttpError(
    404,
    `Not found: ${route.reason}. Every topic, with its feeds, is listed at ${base}/topics.json`,
    { 'cache-control': NOT_FOUND_CACHING },
  );
};

export const badRequestRoute: RouteHandler<Extract<Route, { kind: 'bad-request' }>> = (_req, route) => {
  throw new HttpError(400, `Bad request: ${route.reason}.`);
};
