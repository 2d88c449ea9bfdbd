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
  const topics = primed.topics.map((t) => t.slug).sort();
  // Popular topics are asked for more (Zipf over the topics by article count).
  const byCount = [...primed.topics].sort((a, b) => b.count - a.count).map((t) => t.slug);
  const weights = byCount.map((_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const popular = () => {
    let r = rng() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r <= 0) return byCount[i] as string;
    }
    return byCount[0] as string;
  };
  const cased = topics.filter((t) => t.toUpperCase() !== t);
  const enc = (e = pick(ENCODINGS)): Record<string, string> => (e ? { 'accept-encoding': e } : {});
  const get = (kind: string, path: string, expect = 200, headers = enc()) => ({
    kind,
    path,
    headers,
    expect,
  });
  const badParameter = () => pick(['limit=0', 'limit=abc', 'limit=100000', 'cursor=forged.AAAA', 'cursor=']);
  const plan: [number, string, () => Planned][] = [
    [30, 'topic feed', () => get('topic feed', topicFeed(popular(), pick(FILES)))],
    [12, 'all articles', () => get('all articles', `/${pick(FILES)}`)],
    [
      8,
      'merged topics',
      () => {
        const slugs = [...new Set([popular(), popular(), pick(topics)])].sort();
        return get('merged topics', `/topics/${slugs.map(encodeURIComponent).join(',')}/${pick(FILES)}`);
      },
    ],
    [
      20,
      'conditional (ETag)',
      () => {
        const { path, etag } = pick(primed.etags);
        return get('conditional (ETag)', path, 304, { ...enc('gzip'), 'if-none-match': etag });
      },
    ],
    [5, 'next page', () => get('next page', pick(primed.cursors))],
    [5, 'HTML page', () => get('HTML page', rng() < 0.3 ? '/' : `/topics/${encodeURIComponent(popular())}`)],
    [2, 'listing', () => get('listing', pick(['/topics.json', '/feeds.opml']))],
    [
      8,
      'unknown topic',
      () => get('unknown topic', topicFeed(`no-such-topic-${Math.floor(rng() * 1e6)}`, pick(FILES)), 404),
    ],
    [
      6,
      'bad parameter',
      () => get('bad parameter', `${topicFeed(popular(), pick(FILES))}?${badParameter()}`, 400),
    ],
    [
      4,
      'non-canonical URL',
      () => get('non-canonical URL', topicFeed(pick(cased).toUpperCase(), pick(FILES)), 301),
    ],
  ];
  const chosen = kinds ? plan.filter(([, kind]) => kinds.includes(kind)) : plan;
  if (chosen.length === 0) throw new Error(`no request kind among ${kinds?.join(', ')}`);
  const planTotal = chosen.reduce((n, [w]) => n + w, 0);
  return () => {
    let r = rng() * planTotal;
    for (const [w, , make] of chosen) {
      r -= w;
      if (r <= 0) return make();
    }
    return (chosen[0] as (typeof chosen)[number])[2]();
  };
}
