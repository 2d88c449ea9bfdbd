import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CorpusFile,
  generateCorpus,
  prng,
  topicNames,
  writeCorpus,
  zipf,
} from '../../../tools/lib/corpus.js';

interface Doc {
  title: string;
  excerpt: string;
  webUrl: string;
  originalUrl: string;
  publishedDateTime: string;
  published: boolean;
  provider: { name: string; domain: string };
  topics: string[];
  images?: { url: string; width: number; height: number }[];
  related?: { title: string; webUrl: string; publishedDateTime: string }[];
  secured: string;
}

const parse = (file: CorpusFile) => load(file.frontMatter) as Doc;
const SAMPLE = 3000;
const files = [...generateCorpus({ count: SAMPLE, seed: 7 })];
const docs = files.map(parse);
const share = (predicate: (d: Doc, i: number) => boolean) => docs.filter(predicate).length / docs.length;

describe('corpus generator', () => {
  it('gives the same bytes for the same seed (a smaller corpus is a prefix) and others for another seed', () => {
    const again = [...generateCorpus({ count: 50, seed: 7 })];
    expect(again).toEqual(files.slice(0, 50));
    const other = [...generateCorpus({ count: 50, seed: 8 })];
    expect(other.map((f) => f.text)).not.toEqual(again.map((f) => f.text));
  });

  it('writes files shaped like the real ones: fenced YAML front matter, then an optional body', () => {
    for (const file of files.slice(0, 200)) {
      expect(file.text).toBe(`---\n${file.frontMatter}---\n\n${file.body}`);
      expect(file.key).toMatch(/^\d{6}_[0-9a-f]{16}\.(txt|md)$/);
      expect(file.key.endsWith('.md')).toBe(file.body !== '');
    }
    for (const doc of docs) {
      expect(doc.title.length).toBeGreaterThan(10);
      expect(doc.webUrl).toMatch(/^https?:\/\/www\.[a-z.]+\//);
      expect(doc.originalUrl).toBe(doc.webUrl);
      expect(Number.isNaN(Date.parse(doc.publishedDateTime))).toBe(false);
      expect(typeof doc.publishedDateTime).toBe('string');
      expect(doc.published).toBe(true);
      expect(doc.provider.domain).toMatch(/\./);
      expect(doc.secured.length).toBeGreaterThan(400);
    }
  });

  it('gives every file its own key and its own link', () => {
    expect(new Set(files.map((f) => f.key)).size).toBe(SAMPLE);
    expect(new Set(docs.map((d) => d.webUrl)).size).toBe(SAMPLE);
  });

  it('averages about 2.7 KB of front matter', () => {
    const mean = files.reduce((sum, f) => sum + Buffer.byteLength(f.frontMatter), 0) / SAMPLE;
    expect(mean).toBeGreaterThan(2300);
    expect(mean).toBeLessThan(3200);
  });

  it('gives each article 1 to 5 distinct topics', () => {
    const counts = new Map<number, number>();
    for (const doc of docs) {
      const distinct = new Set(doc.topics.map((t) => t.toLowerCase()));
      expect(distinct.size).toBe(doc.topics.length);
      counts.set(doc.topics.length, (counts.get(doc.topics.length) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('draws from a few hundred topics with Zipf-like popularity', () => {
    const freq = new Map<string, number>();
    for (const doc of docs)
      for (const t of doc.topics) freq.set(t.toLowerCase(), (freq.get(t.toLowerCase()) ?? 0) + 1);
    const ranked = [...freq.values()].sort((a, b) => b - a);
    expect(ranked.length).toBeGreaterThan(200);
    expect(ranked.length).toBeLessThanOrEqual(300);
    // Zipf with s = 1: the second is drawn about half as often as the first, the tenth about a tenth as often.
    const [first = 0, second = 0] = ranked;
    expect(second / first).toBeGreaterThan(0.4);
    expect(second / first).toBeLessThan(0.75);
    expect((ranked[9] ?? 0) / first).toBeLessThan(0.25);
    expect((ranked[149] ?? 0) / first).toBeLessThan(0.05);
  });

  it('spells some topic mentions in another case', () => {
    const names = new Set(topicNames(300));
    expect(share((d) => d.topics.some((t) => !names.has(t)))).toBeGreaterThan(0.02);
  });

  it('spreads dates over two years', () => {
    const times = docs.map((d) => Date.parse(d.publishedDateTime)).sort((a, b) => a - b);
    const day = 24 * 3600_000;
    const span = ((times[times.length - 1] ?? 0) - (times[0] ?? 0)) / day;
    expect(span).toBeGreaterThan(700);
    expect(span).toBeLessThanOrEqual(731);
    // Roughly uniform: each half of the span holds about half of the articles.
    const middle = (times[0] ?? 0) + (span * day) / 2;
    const firstHalf = times.filter((t) => t < middle).length / times.length;
    expect(firstHalf).toBeGreaterThan(0.4);
    expect(firstHalf).toBeLessThan(0.6);
    expect(share((d) => !d.publishedDateTime.endsWith('Z'))).toBeGreaterThan(0.01);
  });

  it('gives a tenth a markdown body and some images and related lists', () => {
    const bodies = files.filter((f) => f.body).length / SAMPLE;
    expect(bodies).toBeGreaterThan(0.07);
    expect(bodies).toBeLessThan(0.13);
    expect(files.find((f) => f.body)?.body).toMatch(/\S/);
    const images = share((d) => (d.images?.length ?? 0) > 0);
    expect(images).toBeGreaterThan(0.5);
    expect(images).toBeLessThan(0.95);
    const related = share((d) => (d.related?.length ?? 0) > 0);
    expect(related).toBeGreaterThan(0.25);
    expect(related).toBeLessThan(0.7);
    for (const doc of docs) for (const r of doc.related ?? []) expect(r.webUrl).not.toBe(doc.webUrl);
  });

  it('uses a few providers, some far more than others', () => {
    const freq = new Map<string, number>();
    for (const doc of docs) freq.set(doc.provider.name, (freq.get(doc.provider.name) ?? 0) + 1);
    const ranked = [...freq.values()].sort((a, b) => b - a);
    expect(ranked.length).toBeGreaterThanOrEqual(8);
    expect(ranked.length).toBeLessThanOrEqual(20);
    expect((ranked[0] ?? 0) / (ranked[ranked.length - 1] ?? 1)).toBeGreaterThan(4);
  });
});

describe('zipf and prng', () => {
  it('samples ranks within range, the first most often', () => {
    const rng = prng(1);
    const sample = zipf(10);
    const hits = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const r = sample(rng);
      hits[r] = (hits[r] ?? 0) + 1;
    }
    expect(Math.max(...hits)).toBe(hits[0]);
    expect(Math.min(...hits)).toBe(hits[9]);
    expect((hits[0] ?? 0) / (hits[1] ?? 1)).toBeCloseTo(2, 0);
  });

  it('returns floats in [0, 1)', () => {
    const rng = prng(123);
    for (let i = 0; i < 10_000; i++) {
      const x = rng();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('writeCorpus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedbucket-corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the generated files to a folder', () => {
    const result = writeCorpus({ count: 25, seed: 3, out: dir });
    const expected = [...generateCorpus({ count: 25, seed: 3 })];
    expect(result.files).toBe(25);
    expect(readdirSync(dir).sort()).toEqual(expected.map((f) => f.key).sort());
    const first = expected[0] as CorpusFile;
    expect(readFileSync(join(dir, first.key), 'utf8')).toBe(first.text);
    expect(result.bytes).toBe(expected.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0));
  });
});
