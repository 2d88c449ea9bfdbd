/**
 * The figures of a reliability run, written into docs/RELIABILITY.md between its markers (the prose around
 * them is kept) and into tools/reliability/results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../lib/procs.js';
import { type Outcome, sec } from './check.js';

export const BEGIN = '<!-- reliability:begin (written by npm run reliability; edits inside are replaced) -->';
export const END = '<!-- reliability:end -->';
export const RESULTS = path.join(REPO_ROOT, 'tools', 'reliability', 'results', 'latest.json');
const DOC = path.join(REPO_ROOT, 'docs', 'RELIABILITY.md');

export interface Step extends Outcome {
  name: string;
  ms: number;
}

export interface RunReport {
  startedAt: string;
  command: string;
  machine: { node: string; cpus: number; loadAverage: number[] };
  steps: Step[];
  /** Later runs of some checks only (`--merge`), whose steps replaced those of this run. */
  later?: { startedAt: string; command: string; steps: string[] }[];
}

export function markdownBlock(r: RunReport): string {
  const lines = [
    BEGIN,
    '',
    `Latest run: ${r.startedAt}, \`${r.command}\` (Node ${r.machine.node}, ${r.machine.cpus} cores, load average ${r.machine.loadAverage.map((x) => x.toFixed(1)).join(' / ')} at the start).`,
    ...(r.later ?? []).map(
      (l) => `Checks ${l.steps.join(', ')} from a later run: ${l.startedAt}, \`${l.command}\`.`,
    ),
    '',
    '| check | verdict | time |',
    '| --- | --- | --- |',
    ...r.steps.map((st) => `| ${st.name} | ${st.verdict} | ${sec(st.ms)} |`),
    '',
    ...r.steps.flatMap((st) => [
      ...(st.lines?.length ? st.lines : [`- **${st.name}**: ${st.verdict}.`]),
      ...st.notes.map((n) => `  - ${n}`),
    ]),
    '',
    END,
  ];
  return lines.join('\n');
}

/** Writes the results JSON and replaces the block between the markers of the document. */
export function writeReport(r: RunReport): void {
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(r, null, 2)}\n`);
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Reliability\n\n';
  const [begin, end] = [text.indexOf(BEGIN), text.indexOf(END)];
  const block = markdownBlock(r);
  writeFileSync(
    DOC,
    begin !== -1 && end > begin
      ? `${text.slice(0, begin)}${block}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n${block}\n`,
  );
  // In the project's format (Biome formats Markdown and JSON too), so `npm run lint` stays clean.
  spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', DOC, RESULTS], {
    stdio: 'ignore',
  });
}
