/**
 * The mix of requests of the load check, as readers and crawlers send them, each kind with the status it must
 * get: topic feeds (popular topics more often), all-articles feeds, merged topics, conditional requests with
 * ETags got while priming, next pages, HTML pages, listings, unknown topics, bad parameters, non-canonical URLs.
 */
import { prng } from '../lib/corpus.js';

export interface Planned {
  kind: string;
  path: string;
  headers: Record<string, string>;
  expect: number;
}

const ENCODINGS = ['gzip, deflate, br', 'gzip', '', 'br'];
export const FILES = ['rss.xml', 'atom.xml', 'feed.json'];
export const topicFeed = (slug: string, file: string) => `/topics/${encodeURIComponent(slug)}/${file}`;

/** What priming the stack gave: every topic by article count, and the ETags and next pages its feeds carry. */
export interface Primed {
  topics: { slug: string; count: number }[];
  etags: { path: string; etag: string }[];
  cursors: string[];
}

/** The next request of the mix (only the kinds in `kinds`, when given), from a seeded generator. */
export function requestMix(primed: Primed, seed: number, kinds?: string[]): () => Planned {
  const rng = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  /** A pick among `[weight, item]` pairs, each as likely as its weight. */
  const weighted = <T>(items: [number, T][]) => {
    const total = items.reduce((n, [w]) => n + w, 0);
    return () => {
      let r = rng() * total;
      for (const [w, item] of items) {
        r -= w;
        if (r <= 0) return item;
      }
      return (items[0] as [number, T])[1];
    };
  };
  const topics = primed.topics.map((t) => t.slug).sort();
  // Popular topics are asked for more (Zipf over the topics by article count).
  const byCount = [...primed.topics].sort((a, b) => b.count - a.count);
  const popular = weighted(byCount.map((t, i): [number, string] => [1 / (i + 1), t.slug]));
  const cased = topics.filter((t) => t.toUpperCase() !== t);
  const feed = (slug = popular()) => topicFeed(slug, pick(FILES));
  const enc = (e = pick(ENCODINGS)): Record<string, string> => (e ? { 'accept-encoding': e } : {});
  const badParameter = () => pick(['limit=0', 'limit=abc', 'limit=100000', 'cursor=forged.AAAA', 'cursor=']);
  const merged = () => [...new Set([popular(), popular(), pick(topics)])].sort().map(encodeURIComponent);
  const conditional = () => {
    const { path, etag } = pick(primed.etags);
    return { path, expect: 304, headers: { ...enc('gzip'), 'if-none-match': etag } };
  };
  // Weight, kind, and the request (status 200 and a random accept-encoding unless it says otherwise).
  const plan: [number, string, () => Partial<Planned> & { path: string }][] = [
    [30, 'topic feed', () => ({ path: feed() })],
    [12, 'all articles', () => ({ path: `/${pick(FILES)}` })],
    [8, 'merged topics', () => ({ path: `/topics/${merged().join(',')}/${pick(FILES)}` })],
    [20, 'conditional (ETag)', conditional],
    [5, 'next page', () => ({ path: pick(primed.cursors) })],
    [5, 'HTML page', () => ({ path: rng() < 0.3 ? '/' : `/topics/${encodeURIComponent(popular())}` })],
    [2, 'listing', () => ({ path: pick(['/topics.json', '/feeds.opml']) })],
    [8, 'unknown topic', () => ({ path: feed(`no-such-topic-${Math.floor(rng() * 1e6)}`), expect: 404 })],
    [6, 'bad parameter', () => ({ path: `${feed()}?${badParameter()}`, expect: 400 })],
    [4, 'non-canonical URL', () => ({ path: feed(pick(cased).toUpperCase()), expect: 301 })],
  ];
  const chosen = kinds ? plan.filter(([, kind]) => kinds.includes(kind)) : plan;
  if (chosen.length === 0) throw new Error(`no request kind among ${kinds?.join(', ')}`);
  const next = weighted(
    chosen.map(([w, kind, make]): [number, () => Planned] => [
      w,
      () => {
        const p = make();
        return { kind, expect: 200, ...p, headers: p.headers ?? enc() };
      },
    ]),
  );
  return () => next()();
}
