/**
 * `npm run reliability`: load held, faults survived, hostile input refused, nothing lost. Runs each check
 * (each scenario in processes of its own, apart from what measures it), prints a verdict per check, writes
 * the figures into docs/RELIABILITY.md (between its markers; the prose around them is kept) and
 * tools/reliability/results/latest.json, and exits 1 when a check failed. A check that cannot run here (no
 * Chromium, no registry for npm audit) is reported as not run. Options (--only, --merge, --no-write and each
 * check's own): docs/RELIABILITY.md, "Reproduce".
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../lib/procs.js';
import { auditCheck } from './advisories.js';
import { type Options, type Outcome, sec } from './check.js';
import { faultsCheck, limitsCheck } from './faults.js';
import { hostileCheck } from './hostile-run.js';
import { loadCheck } from './load.js';
import { stormCheck } from './storm.js';
import { websubCheck } from './websub.js';

const CHECKS: Record<string, (root: string, o: Options) => Promise<Outcome>> = {
  load: loadCheck,
  faults: faultsCheck,
  storm: stormCheck,
  throttle: limitsCheck('throttle'),
  'time-limit': limitsCheck('time-limit'),
  websub: websubCheck,
  hostile: hostileCheck,
  audit: auditCheck,
};
const ALL = Object.keys(CHECKS);

const BEGIN = '<!-- reliability:begin (written by npm run reliability; edits inside are replaced) -->';
const END = '<!-- reliability:end -->';
const RESULTS = path.join(REPO_ROOT, 'tools', 'reliability', 'results', 'latest.json');
const DOC = path.join(REPO_ROOT, 'docs', 'RELIABILITY.md');

type Step = Outcome & { name: string; ms: number };

/** The options that take a number, with their defaults, by the checks that read them. */
const NUMBERS = {
  load: { duration: 30, warmup: 30, 'warmup-max': 120, connections: 100, corpus: 1000 },
  faults: { files: 2000, outage: 10, 'limits-files': 200 },
  others: { events: 1000, runs: 1000, 'websub-files': 300 },
};
const numbers = Object.values(NUMBERS).flatMap((o) => Object.entries(o));
const { values } = parseArgs({
  options: {
    ...Object.fromEntries(numbers.map(([k, d]) => [k, { type: 'string', default: `${d}` } as const])),
    ...{ only: { type: 'string' }, kinds: { type: 'string' }, seed: { type: 'string' } },
    ...{ 'no-write': { type: 'boolean', default: false }, merge: { type: 'boolean', default: false } },
  },
});
const wanted = values.only?.split(',') ?? ALL;
for (const w of wanted)
  if (!ALL.includes(w)) throw new Error(`--only: unknown check "${w}" (${ALL.join(', ')})`);

const report = {
  startedAt: new Date().toISOString(),
  command: `npm run reliability${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: { node: process.versions.node, cpus: cpus().length, loadAverage: loadavg() },
  steps: [] as Step[],
  /** Later runs of some checks only (`--merge`), whose steps replaced those of this run. */
  later: undefined as { startedAt: string; command: string; steps: string[] }[] | undefined,
};
type RunReport = typeof report;

for (const name of ALL.filter((n) => wanted.includes(n))) {
  const root = await mkdtemp(path.join(tmpdir(), `fb-reliability-${name}-`));
  const started = Date.now();
  process.stderr.write(`reliability: ${name}…\n`);
  const outcome = await (CHECKS[name] as (typeof CHECKS)[string])(root, values).catch(
    (e): Outcome => ({
      verdict: 'FAIL',
      notes: [`The check itself failed: ${e instanceof Error ? e.stack : String(e)}`],
      lines: [],
    }),
  );
  await rm(root, { recursive: true, force: true }).catch(() => {});
  const step: Step = { name, ...outcome, ms: Date.now() - started };
  for (const line of step.lines) process.stderr.write(`  ${line}\n`);
  report.steps.push(step);
  const notes = step.notes.length ? `\n  ${step.notes.join('\n  ')}` : '';
  process.stderr.write(`reliability: ${name}: ${step.verdict} (${sec(step.ms)})${notes}\n`);
}

/** The latest figures with the steps of this run in place of theirs; the run says which steps are newer. */
function mergedWithLatest(run: RunReport): RunReport {
  const latest = JSON.parse(readFileSync(RESULTS, 'utf8')) as RunReport;
  const steps = ALL.flatMap(
    (name) => run.steps.find((x) => x.name === name) ?? latest.steps.filter((x) => x.name === name),
  );
  const later = { startedAt: run.startedAt, command: run.command, steps: run.steps.map((x) => x.name) };
  return { ...latest, steps, later: [...(latest.later ?? []), later] };
}

/** Writes the results JSON, and the figures in place of those between the document's markers. */
function writeReport(r: RunReport): void {
  writeFileSync(RESULTS, `${JSON.stringify(r, null, 2)}\n`);
  const text = readFileSync(DOC, 'utf8');
  const [begin, end] = [text.indexOf(BEGIN), text.indexOf(END)];
  if (begin === -1 || end < begin) throw new Error(`docs/RELIABILITY.md: no markers ${BEGIN} and ${END}`);
  const load = r.machine.loadAverage.map((x) => x.toFixed(1)).join(' / ');
  const block = [
    BEGIN,
    '',
    `Latest run: ${r.startedAt}, \`${r.command}\` (Node ${r.machine.node}, ${r.machine.cpus} cores, load average ${load} at the start).`,
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
  writeFileSync(DOC, `${text.slice(0, begin)}${block.join('\n')}${text.slice(end + END.length)}`);
  // In the project's format (Biome formats Markdown and JSON too), so `npm run lint` stays clean.
  spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', DOC, RESULTS], {
    stdio: 'ignore',
  });
}

if (!values['no-write']) writeReport(values.merge ? mergedWithLatest(report) : report);
process.stdout.write(
  `reliability: ${report.steps.map((x) => `${x.name} ${x.verdict}`).join(', ')}${values['no-write'] ? '' : '; figures in docs/RELIABILITY.md'}\n`,
);
process.exit(report.steps.some((x) => x.verdict === 'FAIL') ? 1 : 0);
