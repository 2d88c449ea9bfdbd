/**
 * Row 1: parse + validate + normalize against js-yaml `load`, per CPU-second of this process so that other
 * work on the machine does not skew it; wall-clock rates go to latest.json (docs/PERFORMANCE.md, "How each
 * row is measured").
 */
import { load } from 'js-yaml';
import { parseArticle } from '../../../shared/article/article.js';
import { generateCorpus } from '../../lib/corpus.js';
import { cpuNow, now } from '../../lib/stats.js';
import { type BenchContext, compare, measure, type RowResult } from '../lib/report.js';

export async function parseRow(ctx: BenchContext): Promise<RowResult> {
  const count = ctx.quick ? 2000 : 5000;
  const files = [...generateCorpus({ count, seed: ctx.seed })];
  const bytes = files.map((f) => Buffer.from(f.text));
  const frontMatters = files.map((f) => f.frontMatter);

  let rejected = 0;
  const wall: { ours: number[]; raw: number[] } = { ours: [], raw: [] };
  /** Runs `fn` over `items`; returns items per CPU-second and records items per wall-second. */
  const rate = <T>(items: T[], fn: (item: T) => void, into?: number[]) => {
    const t = now();
    const c = cpuNow();
    for (const item of items) fn(item);
    into?.push(items.length / ((now() - t) / 1000));
    return items.length / ((cpuNow() - c) / 1000);
  };
  const parseOne = (b: Buffer) => {
    try {
      parseArticle(b);
    } catch {
      rejected++;
    }
  };
  const ours = (files = bytes, into?: number[]) => rate(files, parseOne, into);
  const raw = (texts = frontMatters, into?: number[]) => rate(texts, (fm) => load(fm), into);

  // A warm-up of each on a fifth of the files (JIT), then alternating runs so that drift in the shared
  // machine hits both alike.
  ours(bytes.slice(0, count / 5));
  raw(frontMatters.slice(0, count / 5));
  const oursRuns: number[] = [];
  const rawRuns: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    rawRuns.push(raw(frontMatters, wall.raw));
    rejected = 0;
    oursRuns.push(ours(bytes, wall.ours));
    ctx.progress(`row 1: run ${i + 1}/${ctx.runs}`);
  }
  const meanBytes = frontMatters.reduce((s, f) => s + Buffer.byteLength(f), 0) / count;
  return {
    figures: [
      compare(
        '1',
        `parse + validate + normalize, ${count.toLocaleString('en-US')} files, one core`,
        measure('parseArticle', 'articles/s', oursRuns),
        measure('js-yaml load', 'articles/s', rawRuns),
        { on: 'ratio', op: '>=', limit: 0.8 },
        `per CPU-second; front matter ${(meanBytes / 1024).toFixed(1)} KB on average${rejected ? `; ${rejected} files rejected` : ''}`,
      ),
    ],
    data: { wallClock: wall },
  };
}
