/**
 * What each bench row reports, and the one table printed at the end (also written as JSON).
 * A figure is a median of several runs, printed beside its baseline from the same run, with the ratio and the
 * target it is held to.
 */

import { median } from '../../lib/stats.js';

export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'SKIP' | 'ERROR';

export type Unit = 'articles/s' | 'req/s' | 'ms' | 's' | 'bytes' | 'units' | 'items' | 'count';

export interface Measure {
  label: string;
  /** The median of `runs`. */
  value: number;
  unit: Unit;
  runs?: number[];
}

/** A target on the ratio (ours / baseline) or on the value itself. */
export interface Target {
  on: 'ratio' | 'value';
  op: '>=' | '<=';
  limit: number;
  unit?: Unit;
}

export interface Figure {
  /** Row number and letter, e.g. "3a". */
  id: string;
  label: string;
  ours?: Measure;
  baseline?: Measure;
  /** Other baselines shown in the notes column (e.g. nginx beside plain Node). */
  also?: (Measure & { ratio: number })[];
  ratio?: number;
  target?: Target;
  verdict: Verdict;
  /** Why a figure is skipped, missed, or how it was measured; one line. */
  note?: string;
}

export interface RowReport {
  row: number;
  title: string;
  figures: Figure[];
  /** Wall time of the row, seconds. */
  seconds?: number;
  /** Extra data a row wants in latest.json (chart points, per-run details). */
  data?: Record<string, unknown>;
}

/** What a row's function returns: the runner adds the row's number and title. */
export type RowResult = Omit<RowReport, 'row' | 'title'>;

/** A figure compared with its baseline: ratio = ours / baseline, verdict from the target (on the ratio or value). */
export function compare(
  id: string,
  label: string,
  ours: Measure,
  baseline: Measure | undefined,
  target?: Target,
  note?: string,
): Figure {
  const ratio = baseline && baseline.value !== 0 ? ours.value / baseline.value : undefined;
  const x = target?.on === 'ratio' ? ratio : ours.value;
  const verdict: Verdict = !target
    ? 'INFO'
    : x === undefined || Number.isNaN(x)
      ? 'SKIP'
      : (target.op === '>=' ? x >= target.limit : x <= target.limit)
        ? 'PASS'
        : 'MISS';
  return { id, label, ours, baseline, ratio, target, verdict, note };
}

/** A figure without a baseline: one value, reported, or held to a target on the value. */
export function single(id: string, label: string, unit: Unit, value: number, note?: string, target?: Target) {
  return compare(id, label, measure(label.split(' ')[0] as string, unit, [value]), undefined, target, note);
}

export function failed(id: string, label: string, error: unknown): Figure {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return { id, label, verdict: 'ERROR', note: message.slice(0, 300) };
}

const thousands = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function formatValue(value: number | undefined, unit: Unit | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'articles/s':
    case 'req/s':
      return `${thousands(value)}/s`;
    case 'ms':
      return value >= 100 ? `${thousands(value)} ms` : `${value.toPrecision(3)} ms`;
    case 's':
      return `${value.toFixed(1)} s`;
    case 'bytes':
      return value >= 1024 * 1024
        ? `${(value / 1024 / 1024).toFixed(2)} MB`
        : `${thousands(value / 1024, 1)} KB`;
    default:
      return Number.isInteger(value) ? thousands(value) : value.toFixed(2);
  }
}

export function formatTarget(t: Target | undefined): string {
  if (!t) return 'reported';
  const op = t.op === '>=' ? '≥' : '≤';
  return t.on === 'ratio' ? `${op} ${t.limit}` : `${op} ${formatValue(t.limit, t.unit)}`;
}

const formatRatio = (r: number | undefined) => (r === undefined || Number.isNaN(r) ? '—' : r.toFixed(2));

const cell = (s: string) => s.replaceAll('|', '\\|');

/** The table as GitHub-flavoured markdown (also readable as plain text in a terminal). */
export function markdownTable(rows: RowReport[]): string {
  const lines = [
    '| # | figure | ours | baseline | ratio | target | result | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of rows.flatMap((row) => row.figures)) {
    const ours = f.ours ? formatValue(f.ours.value, f.ours.unit) : '—';
    const base = f.baseline ? `${formatValue(f.baseline.value, f.baseline.unit)} (${f.baseline.label})` : '—';
    const also = (f.also ?? []).map(
      (a) => `${a.label} ${formatValue(a.value, a.unit)}, ours/${a.label} ${formatRatio(a.ratio)}`,
    );
    const notes = [...also, f.note ?? ''].filter(Boolean).join('; ');
    lines.push(
      `| ${f.id} | ${cell(f.label)} | ${ours} | ${cell(base)} | ${formatRatio(f.ratio)} | ${formatTarget(f.target)} | ${f.verdict} | ${cell(notes)} |`,
    );
  }
  return lines.join('\n');
}

/** What every bench row gets from the harness. */
export interface BenchContext {
  /** The rows this run measures. */
  selected: number[];
  seed: number;
  /** Runs per figure (each figure is their median). */
  runs: number;
  /** Smaller corpora and shorter runs, to try the harness; figures are not for quoting. */
  quick: boolean;
  /** A temporary folder for this run, removed at the end. */
  tmp: string;
  /** One progress line on stderr. */
  progress(message: string): void;
}

/** Rows measured together (one stack for both): the first of them asked measures all, once a run. */
export function measuredOnce<T>(
  measure: (ctx: BenchContext) => Promise<T>,
): (ctx: BenchContext) => Promise<T> {
  let memo: Promise<T> | undefined;
  return (ctx) => {
    memo ??= measure(ctx);
    return memo;
  };
}

/** A measure: the median of the runs, beside the runs themselves. */
export const measure = (label: string, unit: Unit, runs: number[]): Measure => ({
  label,
  unit,
  value: median(runs),
  runs: runs.map((r) => Number(r.toPrecision(6))),
});
