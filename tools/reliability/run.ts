/**
 * `npm run reliability`: load held, faults survived, hostile input refused, nothing lost. Runs each check
 * (each scenario in processes of its own, apart from what measures it), prints a verdict per check, writes
 * the figures into docs/RELIABILITY.md and tools/reliability/results/latest.json, and exits 1 when a check
 * failed. A check that cannot run here (no Chromium, no registry for npm audit) is reported as not run.
 *
 *   npm run reliability [-- --only load,faults,storm,throttle,time-limit,websub,hostile,audit]
 *     [--seed S (storm)] [--duration 30] [--warmup 30] [--warmup-max 120] [--connections 100] [--corpus 1000]
 *     [--kinds "topic feed,merged topics"] (only these kinds of request in the load) [--files 2000] [--outage 10]
 *     [--events 1000] [--runs 1000] [--limits-files 200] [--websub-files 300] [--no-write]
 *   npm run reliability -- --only throttle --merge   (the checks run replace theirs in the latest figures; the rest stay)
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { auditCheck } from './advisories.js';
import type { Options, Outcome } from './check.js';
import { faultsCheck } from './faults.js';
import { hostileCheck } from './hostile-run.js';
import { limitsCheck } from './limits.js';
import { loadCheck } from './load.js';
import { RESULTS, type RunReport, type Step, writeReport } from './report.js';
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

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    ...{ duration: { type: 'string', default: '30' }, warmup: { type: 'string', default: '30' } },
    ...{ 'warmup-max': { type: 'string', default: '120' }, connections: { type: 'string', default: '100' } },
    ...{ corpus: { type: 'string', default: '1000' }, kinds: { type: 'string' } },
    ...{ files: { type: 'string', default: '2000' }, outage: { type: 'string', default: '10' } },
    ...{
      events: { type: 'string', default: '1000' },
      seed: { type: 'string' },
      runs: { type: 'string', default: '1000' },
    },
    ...{
      'limits-files': { type: 'string', default: '200' },
      'websub-files': { type: 'string', default: '300' },
    },
    ...{ 'no-write': { type: 'boolean', default: false }, merge: { type: 'boolean', default: false } },
  },
});
const wanted = values.only?.split(',') ?? ALL;
for (const w of wanted)
  if (!ALL.includes(w)) throw new Error(`--only: unknown check "${w}" (${ALL.join(', ')})`);

const report: RunReport = {
  startedAt: new Date().toISOString(),
  command: `npm run reliability${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  machine: { node: process.versions.node, cpus: cpus().length, loadAverage: loadavg() },
  steps: [],
};

for (const name of ALL.filter((n) => wanted.includes(n))) {
  const root = await mkdtemp(path.join(tmpdir(), `fb-reliability-${name}-`));
  const started = Date.now();
  process.stderr.write(`reliability: ${name}…\n`);
  let step: Step;
  try {
    step = {
      name,
      ...(await (CHECKS[name] as (typeof CHECKS)[string])(root, values)),
      ms: Date.now() - started,
    };
    for (const line of step.lines) process.stderr.write(`  ${line}\n`);
  } catch (e) {
    const why = `The check itself failed: ${e instanceof Error ? e.stack : String(e)}`;
    step = { name, verdict: 'FAIL', notes: [why], lines: [], ms: Date.now() - started };
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
  report.steps.push(step);
  const notes = step.notes.length ? `\n  ${step.notes.join('\n  ')}` : '';
  process.stderr.write(`reliability: ${name}: ${step.verdict} (${(step.ms / 1000).toFixed(1)} s)${notes}\n`);
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

if (!values['no-write']) writeReport(values.merge ? mergedWithLatest(report) : report);
process.stdout.write(
  `reliability: ${report.steps.map((x) => `${x.name} ${x.verdict}`).join(', ')}${values['no-write'] ? '' : '; figures in docs/RELIABILITY.md'}\n`,
);
process.exit(report.steps.some((x) => x.verdict === 'FAIL') ? 1 : 0);
