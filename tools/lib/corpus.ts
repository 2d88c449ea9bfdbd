/**
 * A deterministic corpus of article files shaped like the real ones (its shape: docs/PERFORMANCE.md, "How to
 * run"). Library: `generateCorpus({ count, seed })`. CLI: `npx tsx tools/lib/corpus.ts --count N --out DIR
 * [--seed S]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  NAMED_TOPICS,
  PROVIDERS,
  SECTIONS,
  SPICE,
  TOPIC_FIRST,
  TOPIC_SECOND,
  WORDS,
} from './corpus-words.js';

export interface CorpusOptions {
  count: number;
  /** Same seed, same files, byte for byte. */
  seed?: number;
}

export interface CorpusFile {
  /** Bucket key, shaped like the real ones: `<6-digit index>_<16 hex>.txt` (`.md` for files with a body). */
  key: string;
  text: string;
  /** The YAML between the `---` fences. */
  frontMatter: string;
  /** The markdown after the front matter ('' for most). */
  body: string;
}

export const DEFAULT_SEED = 20210314;
/** Keys are `<index>_<hex>`, the index zero-padded to this width so that a corpus is a prefix of a larger one. */
const KEY_DIGITS = 6;
export const TWO_YEARS_MS = 2 * 365 * 24 * 3600 * 1000;
/** Dates fall in the two years before this instant. */
export const UNTIL = Date.parse('2021-04-01T00:00:00Z');
const TOPICS = 300;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG. Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
const chance = (rng: Rng, p: number) => rng() < p;

/** Samples ranks 0..n-1 with probability proportional to 1/(rank+1)^s, by binary search on the CDF. */
export function zipf(n: number, s = 1): (rng: Rng) => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return (rng) => {
    const x = rng() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The topic names of a corpus, most popular first. */
export function topicNames(count: number): string[] {
  const names = NAMED_TOPICS.slice(0, count);
  for (let i = 0; names.length < count; i++) {
    const first = TOPIC_FIRST[i % TOPIC_FIRST.length] as string;
    const second = TOPIC_SECOND[Math.floor(i / TOPIC_FIRST.length) % TOPIC_SECOND.length] as string;
    const round = Math.floor(i / (TOPIC_FIRST.length * TOPIC_SECOND.length));
    names.push(round === 0 ? `${first} ${second}` : `${first} ${second} ${round + 1}`);
  }
  return names;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `n` items made by `make`, one after the other (the order the generator draws its numbers in). */
const times = (n: number, make: () => string) => Array.from({ length: n }, make);
const words = (rng: Rng, min: number, max: number) =>
  times(int(rng, min, max), () => (chance(rng, 0.04) ? pick(rng, SPICE) : pick(rng, WORDS))).join(' ');

const sentence = (rng: Rng) => `${capitalize(words(rng, 8, 22))}.`;

function excerpt(rng: Rng): string {
  const text = times(int(rng, 1, 3), () => sentence(rng)).join(' ');
  // Some feeds pad their excerpts with whitespace, as in the real files.
  return chance(rng, 0.2) ? `${text}\n    \n` : text;
}

const slugOf = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

const hex = (rng: Rng, length: number) => {
  const word = () => Math.floor(rng() * 0x1_0000_0000);
  return times(Math.ceil(length / 8), () => word().toString(16).padStart(8, '0'))
    .join('')
    .slice(0, length);
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const base64 = (rng: Rng, chars: number) =>
  times(chars, () => BASE64[Math.floor(rng() * 64)] as string).join('');

/** `2021-03-14T01:27:54Z` (one in twenty with a numeric offset instead, as RFC 3339 allows). */
function timestamp(rng: Rng, ms: number): string {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  if (!chance(rng, 0.05)) return iso;
  const hours = pick(rng, [-5, -3, 1, 2, 9]);
  const local = new Date(Date.parse(iso) + hours * 3600_000).toISOString().slice(0, 19);
  const sign = hours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}

/** A YAML double-quoted scalar (JSON's string syntax is a subset of it). */
const q = (s: string) => JSON.stringify(s);
/** A plain scalar where YAML reads it back as the same string (as the real files write topics), else quoted. */
const plain = (s: string) =>
  /^[\p{L}][\p{L}\p{N} &.’-]*$/u.test(s) && !/^(true|false|null|yes|no|on|off)$/i.test(s) ? s : q(s);

interface Link {
  title: string;
  url: string;
  amp?: { amp: string; cdn: string };
}

function link(rng: Rng, provider: (typeof PROVIDERS)[number], published: number, unique: string): Link {
  const title = capitalize(words(rng, 6, 16));
  const day = new Date(published).toISOString().slice(0, 10).replaceAll('-', '/');
  const scheme = provider.http ? 'http' : 'https';
  const query = chance(rng, 0.15) ? `?utm_source=feed&ref=${hex(rng, 6)}` : '';
  const url = `${scheme}://www.${provider.domain}/${day}/${pick(rng, SECTIONS)}/${slugOf(title)}-${unique}${query}`;
  if (!chance(rng, 0.5)) return { title, url };
  const ampHost = `amp.${provider.domain}`;
  const amp = `https://${ampHost}/${day}/${slugOf(title)}-${unique}/index.html`;
  const cdn = `https://${ampHost.replaceAll('.', '-')}.cdn.ampproject.org/c/s/${ampHost}/${day}/${slugOf(title)}-${unique}/index.html`;
  return { title, url, amp: { amp, cdn } };
}

function imageLines(rng: Rng, indent: string, domain: string): string[] {
  const [width, height] = pick(rng, [
    [1100, 619],
    [787, 545],
    [800, 533],
    [1920, 1080],
    [1200, 600],
    [640, 360],
  ] as const);
  const ext = pick(rng, ['jpg', 'jpg', 'jpg', 'jpeg', 'png', 'webp', '']);
  const path = ext ? `${hex(rng, 12)}-super-tease.${ext}` : `resources/r/?m=02&i=${int(rng, 1e9, 2e9)}&w=800`;
  return [
    `${indent}- url: ${q(`https://cdn.${domain}/assets/${path}`)}`,
    `${indent}  width: ${width}`,
    `${indent}  height: ${height}`,
    `${indent}  isCached: true`,
  ];
}

function providerLines(provider: (typeof PROVIDERS)[number], indent: string, logo: boolean): string[] {
  const lines = [
    `${indent}provider:`,
    `${indent}  name: ${provider.name}`,
    `${indent}  domain: ${provider.domain}`,
  ];
  if (logo) {
    lines.push(
      `${indent}  images:`,
      `${indent}    - url: ${q(`https://logos.feedbucket.example/organizations/${provider.domain}-50x50.jpg`)}`,
      `${indent}      width: 50`,
      `${indent}      height: 50`,
    );
  }
  return lines;
}

function markdownBody(rng: Rng): string {
  const blocks: string[] = [];
  for (let i = int(rng, 2, 6); i > 0; i--) {
    const kind = rng();
    if (kind < 0.15) blocks.push(`## ${capitalize(words(rng, 2, 6))}`);
    else if (kind < 0.3)
      blocks.push(times(int(rng, 2, 5), () => `- ${capitalize(words(rng, 3, 10))}`).join('\n'));
    else if (kind < 0.4) blocks.push(`> ${sentence(rng)}`);
    else {
      const sentences = times(int(rng, 2, 5), () => {
        const [s, r] = [sentence(rng), rng()];
        if (r < 0.15) return `${s} See [the report](https://www.example.org/report/${hex(rng, 6)}).`;
        return r < 0.3 ? `**${s}**` : r < 0.4 ? `*${s}*` : s;
      });
      blocks.push(sentences.join(' '));
    }
  }
  return `${blocks.join('\n\n')}\n`;
}

const TOPICS_PER_ARTICLE = [0.2, 0.35, 0.25, 0.12, 0.08]; // P(1 topic) … P(5 topics)

function topicCount(rng: Rng): number {
  let x = rng();
  for (let i = 0; i < TOPICS_PER_ARTICLE.length; i++) {
    x -= TOPICS_PER_ARTICLE[i] as number;
    if (x < 0) return i + 1;
  }
  return TOPICS_PER_ARTICLE.length;
}

/** Generates the corpus lazily, file by file; the same options always give the same files. */
export function* generateCorpus(options: CorpusOptions): Generator<CorpusFile> {
  const seed = options.seed ?? DEFAULT_SEED;
  const rng = prng(seed);
  const names = topicNames(TOPICS);
  const topicRank = zipf(names.length, 1);
  const providerRank = zipf(PROVIDERS.length, 1);

  for (let i = 0; i < options.count; i++) {
    const unique = `${seed.toString(36)}${i.toString(36)}`;
    const provider = PROVIDERS[providerRank(rng)] as (typeof PROVIDERS)[number];
    const published = UNTIL - Math.floor(rng() * TWO_YEARS_MS);
    const main = link(rng, provider, published, unique);

    const chosen = new Set<number>();
    const wanted = topicCount(rng);
    while (chosen.size < wanted) chosen.add(topicRank(rng));
    // One mention in thirty is spelled in lower case: the same topic to a reader, and to the slug.
    const topics = [...chosen].map((r) =>
      chance(rng, 1 / 30) ? (names[r] as string).toLowerCase() : names[r],
    );

    const lines = [
      `category: ${pick(rng, ['news', 'news', 'news', 'opinion', 'analysis'])}`,
      `title: ${q(main.title)}`,
      `excerpt: ${q(excerpt(rng))}`,
      `publishedDateTime: ${timestamp(rng, published)}`,
      `originalUrl: ${q(main.url)}`,
      `webUrl: ${q(main.url)}`,
    ];
    if (main.amp) lines.push(`ampWebUrl: ${q(main.amp.amp)}`, `cdnAmpWebUrl: ${q(main.amp.cdn)}`);
    lines.push(
      `type: ${chance(rng, 0.9) ? 'article' : 'video'}`,
      `quality: ${int(rng, 90, 220)}`,
      `heat: ${int(rng, 0, 400)}`,
      'published: true',
      '',
      ...providerLines(provider, '', true),
      '',
      'topics:',
      ...topics.map((t) => `  - ${plain(t as string)}`),
    );

    if (chance(rng, 0.75)) {
      lines.push('', 'images:');
      for (let n = chance(rng, 0.1) ? 2 : 1; n > 0; n--)
        lines.push(...imageLines(rng, '  ', provider.domain));
    }

    if (chance(rng, 0.45)) {
      lines.push('', 'related:');
      for (let n = int(rng, 1, 4); n > 0; n--) {
        const other = PROVIDERS[providerRank(rng)] as (typeof PROVIDERS)[number];
        const when = published - Math.floor(rng() * 90 * 24 * 3600_000);
        const r = link(rng, other, when, `${unique}r${n}`);
        lines.push(
          `  - title: ${q(r.title)}`,
          `    excerpt: ${q(excerpt(rng))}`,
          `    publishedDateTime: ${timestamp(rng, when)}`,
          `    webUrl: ${q(r.url)}`,
        );
        if (r.amp) lines.push(`    ampWebUrl: ${q(r.amp.amp)}`, `    cdnAmpWebUrl: ${q(r.amp.cdn)}`);
        lines.push(
          '    type: article',
          ...providerLines(other, '    ', false),
          `    quality: ${int(rng, 90, 220)}`,
        );
        if (chance(rng, 0.8)) lines.push('    images:', ...imageLines(rng, '      ', other.domain));
      }
    }

    lines.push('', `secured: ${q(`${base64(rng, 428)};${base64(rng, 22)}==`)}`);
    const frontMatter = `${lines.join('\n')}\n`;
    const body = chance(rng, 0.1) ? markdownBody(rng) : '';
    const key = `${String(i).padStart(KEY_DIGITS, '0')}_${hex(rng, 16)}.${body ? 'md' : 'txt'}`;
    yield { key, text: `---\n${frontMatter}---\n\n${body}`, frontMatter, body };
  }
}

/** Writes a corpus to a folder; returns the number of files and bytes written. */
export function writeCorpus(options: CorpusOptions & { out: string }): { files: number; bytes: number } {
  mkdirSync(options.out, { recursive: true });
  const files = [...generateCorpus(options)];
  for (const file of files) writeFileSync(join(options.out, file.key), file.text);
  return { files: files.length, bytes: files.reduce((n, f) => n + Buffer.byteLength(f.text), 0) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      out: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
    },
  });
  const [count, seed] = [Number(values.count), Number(values.seed)];
  if (!values.out || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    console.error('usage: npx tsx tools/lib/corpus.ts --count N --out DIR [--seed S]');
    process.exit(2);
  }
  const out = resolve(values.out);
  const { files, bytes } = writeCorpus({ count, seed, out });
  console.log(`wrote ${files} files (${(bytes / 1024 / 1024).toFixed(1)} MB) to ${out}`);
}
