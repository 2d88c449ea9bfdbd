/**
 * The metadata a request reads before anything else (GetItem, or BatchGetItem for merged topics; the topic
 * list for listings): it gives the validators, so a conditional request is answered from it alone. A read
 * serves the requests that come within `ttlMs` of it (a burst becomes one read), and the hot path takes the
 * resolved value without waiting a tick.
 */
import { createHash } from 'node:crypto';
import { ALL, type TopicMeta } from '../article/model.js';
import type { FeedStore, ProviderMeta } from '../store/types.js';
import { Memo } from './cache.js';
import type { Validators } from './conditional.js';

/** Metadata of the feeds a request reads, and what caching needs from it. */
export interface Snapshot extends Validators {
  metas: Map<string, TopicMeta>;
}

export interface Listing extends Snapshot {
  topics: TopicMeta[];
  /** Every provider with articles, by domain. */
  providers: ProviderMeta[];
  all?: TopicMeta;
}

interface Fresh<T> {
  at: number;
  promise: Promise<T>;
  /** Set once the promise has resolved: lets a request reuse it without waiting a tick. */
  value?: T;
}

/** The latest of ISO times (they sort as text); the epoch for none. */
function maxIso(values: string[]): string {
  let max = new Date(0).toISOString();
  for (const v of values) if (v > max) max = v;
  return max;
}

/** The metadata of topics (or [ALL]) that one feed reads. */
export async function loadFeeds(store: FeedStore, feeds: string[]): Promise<Snapshot> {
  const [only] = feeds;
  let metas: Map<string, TopicMeta>;
  if (feeds.length === 1 && only !== undefined) {
    const meta = await store.getTopic(only);
    metas = new Map(meta ? [[meta.slug, meta]] : []);
  } else {
    metas = await store.getTopics(feeds);
  }
  return {
    metas,
    revisions: feeds.map((f) => `${f}:${metas.get(f)?.revision ?? 0}`).join(','),
    lastChange: maxIso(feeds.map((f) => metas.get(f)?.lastChange ?? '')),
  };
}

/** Every topic (sorted by slug), every provider (by domain) and the all-articles pseudo-topic. */
export async function loadListing(store: FeedStore): Promise<Listing> {
  const [topics, providers, all] = await Promise.all([
    store.listTopics(),
    store.listProviders(),
    store.getTopic(ALL),
  ]);
  topics.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const digest = createHash('sha1');
  for (const t of topics) digest.update(`${t.slug}:${t.revision}:${t.count}\n`);
  // A provider's name, count or revision changes what the listings show (providers.json, OPML, index).
  for (const p of providers) digest.update(`${p.slug}:${p.revision}:${p.count}\n`);
  return {
    metas: new Map(topics.map((t) => [t.slug, t])),
    topics,
    providers,
    all,
    revisions: `${all?.revision ?? 0}:${digest.digest('base64url')}`,
    lastChange: maxIso([
      all?.lastChange ?? '',
      ...topics.map((t) => t.lastChange),
      ...providers.map((p) => p.lastChange),
    ]),
  };
}

export class Snapshots {
  /**
   * An entry serves only within ttlMs of its read: a thousand feeds asked within one reuse window is far beyond
   * one instance's traffic. (lru-cache allocates its bound at construction: 10,000 cost about 2 ms of cold start.)
   */
  private readonly fresh = new Memo<Fresh<Snapshot>>(1_000);

  constructor(
    readonly store: FeedStore,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Forgets every read: the next request for any feed reads again. */
  clear(): void {
    this.fresh.clear();
  }

  /** The metadata of `feeds`: the value itself when a read resolved within ttlMs, else a promise. */
  feeds(feeds: string[]): Snapshot | Promise<Snapshot> {
    return this.get(feeds.join(','), loadFeeds, feeds);
  }

  listing(): Listing | Promise<Listing> {
    return this.get('\nlisting', loadListing, undefined);
  }

  /** A fresh snapshot for `key` (one key per kind of read and its arguments), read by `load` when stale. */
  get<T extends Snapshot, A>(
    key: string,
    load: (store: FeedStore, arg: A) => Promise<T>,
    arg: A,
  ): T | Promise<T> {
    const t = this.now();
    const hit = this.fresh.find(key) as Fresh<T> | undefined;
    if (hit && t - hit.at < this.ttlMs) return hit.value ?? hit.promise;
    const promise = load(this.store, arg);
    if (this.ttlMs > 0) {
      const entry: Fresh<T> = { at: t, promise };
      this.fresh.set(key, entry as Fresh<Snapshot>);
      promise.then(
        (v) => {
          entry.value = v;
        },
        () => {
          if (this.fresh.find(key) === (entry as Fresh<Snapshot>)) this.fresh.delete(key);
        },
      );
    }
    return promise;
  }
}
