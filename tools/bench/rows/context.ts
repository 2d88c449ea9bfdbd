/** What every bench row gets from the harness. */
import type { Measure, Unit } from '../lib/report.js';
import { median } from '../lib/stats.js';

export interface BenchContext {
  /** The rows this run measures. */
  selected: number[];
  /** Corpus seed. */
  seed: number;
  /** Runs per figure (each figure is their median). */
  runs: number;
  /** Smaller corpora and shorter runs, to try the harness; figures are not for quoting. */
  quick: boolean;
  /** A temporary folder for this run, removed at the end. */
  tmp: string;
  /** One progress line on stderr. */
  progress(message: string): void;
  measure(label: string, unit: Unit, runs: number[]): Measure;
}

export const measureOf = (label: string, unit: Unit, runs: number[]): Measure => ({
  label,
  unit,
  value: median(runs),
  runs: runs.map((r) => Number(r.toPrecision(6))),
});
