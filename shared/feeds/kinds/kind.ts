/**
 * What a route kind is: a handler of its requests, built from the app's shared context. The app's table holds
 * one per kind of `Route`; a cacheable kind is a `Resource` (what it reads, what its body depends on, how it
 * renders), and `resource` composes it with the metadata read and the conditional answer.
 */
import type { FeedsConfig } from '../../config.js';
import type { FeedStore } from '../../store/types.js';
import type { Conditional, Rendering } from '../conditional.js';
import type { CursorCodec } from '../cursor.js';
import type { Snapshot, Snapshots } from '../metadata.js';
import type { FeedsRequest, FeedsResponse } from '../request.js';
import type { Route } from '../routes.js';

/** What every route kind may use, made once per app. */
export interface FeedsContext {
  store: FeedStore;
  config: Omit<FeedsConfig, 'tableName'>;
  /** Metadata reads, reused for a short while. */
  snapshots: Snapshots;
  /** Validators, 304s, caching headers and the render cache. */
  conditional: Conditional;
  cursors: CursorCodec;
  /** BCP 47 language of the articles, when configured and well-formed. */
  language?: string;
  /** RSS <ttl>, from the configured max-age. */
  ttlMinutes?: number;
  maxMergedTopics: number;
  /** The page size ceiling of merged topics (one Query per topic). */
  mergedMaxLimit: number;
}

/** An answer, synchronous when it needs no I/O. */
export type Answer = FeedsResponse | Promise<FeedsResponse>;

/** How one kind of route answers. Throwing an HttpError refuses the request with its reason. */
export type RouteHandler<R extends Route = Route> = (req: FeedsRequest, route: R, base: string) => Answer;

/** One handler for every kind of route. */
export type RouteTable = { [K in Route['kind']]: RouteHandler<Extract<Route, { kind: K }>> };

/** A cacheable resource: its request parameters, what it reads, what its body depends on, how it renders. */
export interface Resource<R extends Route, J, S extends Snapshot> {
  /** The request's parameters, checked (an HttpError says what is wrong). */
  prepare(req: FeedsRequest, route: R, base: string): J;
  /** The metadata the answer depends on: it gives the validators. */
  read(job: J): S | Promise<S>;
  /**
   * Everything of the request the body depends on (it keys the render cache and goes into the ETag).
   * Throws an HttpError when the metadata refuses the request (an unknown topic).
   */
  variant(job: J, snap: S): string;
  /** How a cache miss renders (called only then). */
  rendering(job: J, snap: S): Rendering;
}

export function resource<R extends Route, J, S extends Snapshot>(
  ctx: FeedsContext,
  spec: Resource<R, J, S>,
): RouteHandler<R> {
  const answer = (req: FeedsRequest, job: J, snap: S): Answer =>
    ctx.conditional.answer(req, spec.variant(job, snap), snap, () => spec.rendering(job, snap));
  return (req, route, base) => {
    const job = spec.prepare(req, route, base);
    const snap = spec.read(job);
    return snap instanceof Promise ? snap.then((s) => answer(req, job, s)) : answer(req, job, snap);
  };
}
