/**
 * Row 1: parse + validate + normalize throughput on one core (the ingest core's `parseArticle` on each file's
 * bytes), beside raw js-yaml `load` of the same front matter. Runs alternate between the two, in this process
 * (one core); each figure is the median of the runs.
 */
import { load } from 'js-yaml';
import { parseArticle } from '../../shared/article.js';
import { generateCorpus } from '../corpus.js';
import { compare, type RowReport } from '../lib/report.js';
import { now } from '../lib/stats.js';
import type { BenchContext } from './context.js';

export async function parseRow(ctx: BenchContext): Promise<RowReport> {
  const count = ctx.quick ? 2000 : 10_000;
  const files = [...generateCorpus({ count, seed: ctx.seed })];
  const bytes = files.map((f) => Buffer.from(f.text));
  const frontMatters = files.map((f) => f.frontMatter);

  let rejected = 0;
  const ours = (files = bytes) => {
    rejected = 0;
    const t = now();
    for (const b of files) {
      try {
        parseArticle(b);
      } catch {
        rejected++;
      }
    }
    return files.length / ((now() - t) / 1000);
  };
  const raw = (texts = frontMatters) => {
    const t = now();
    for (const fm of texts) load(fm);
    return texts.length / ((now() - t) / 1000);
  };

  // A warm-up of each on a fifth of the files (JIT), then alternating runs so that drift in the shared
  // machine hits both alike.
  ours(bytes.slice(0, count / 5));
  raw(frontMatters.slice(0, count / 5));
  const oursRuns: number[] = [];
  const rawRuns: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    rawRuns.push(raw());
    oursRuns.push(ours());
    ctx.progress(`row 1: run ${i + 1}/${ctx.runs}`);
  }
  const meanBytes = frontMatters.reduce((s, f) => s + Buffer.byteLength(f), 0) / count;
  return {
    row: 1,
    title: 'parse + validate + normalize',
    figures: [
      compare(
        '1',
        `parse + validate + normalize, ${count.toLocaleString('en-US')} files, one core`,
        ctx.measure('parseArticle', 'articles/s', oursRuns),
        ctx.measure('js-yaml load', 'articles/s', rawRuns),
        { on: 'ratio', op: '>=', limit: 0.8 },
        `front matter ${(meanBytes / 1024).toFixed(1)} KB on average${rejected ? `; ${rejected} files rejected` : ''}`,
      ),
    ],
  };
}
