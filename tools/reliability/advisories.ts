/**
 * The audit check: `npm audit --omit=dev` (no high or critical advisory), and the review by hand of the
 * production dependencies (tools/reliability/advisories.json) checked against what is installed: every
 * production package reviewed at its installed version, and no advisory's affected range holding an installed
 * version unless the review says why it does not reach us. The review stands in for npm audit where the
 * registry refuses the audit endpoint; where npm audit runs, a stale review is only noted.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compare, satisfies, validRange } from 'semver';
import { REPO_ROOT } from '../lib/procs.js';
import type { Outcome } from './check.js';

interface Advisory {
  id: string;
  aliases?: string[];
  title?: string;
  /** Affected versions, a semver range: `>=4.0.0 <4.1.1 || >=5.0.0 <5.0.2`, or `*`. */
  affected: string;
  /** `not affected` (no installed version in range), or why an installed, affected version does not reach us. */
  status: 'not affected' | 'not reachable';
  why?: string;
}

export interface AdvisoryReview {
  reviewed: string;
  packages: { package: string; versions: string[]; note?: string; advisories: Advisory[] }[];
  noAdvisoryFound: { why: string; packages: Record<string, string> };
}

export interface ManualReview {
  reviewed: string;
  /** Production packages installed (distinct names) and advisories checked against them. */
  packages: number;
  advisories: number;
  /** Advisories whose range holds an installed version, with why they do not reach us. */
  notReachable: { package: string; version: string; id: string; why: string }[];
  /** What is wrong with the review: versions it did not review, packages it misses, unexplained advisories. */
  problems: string[];
}

export const ADVISORIES_FILE = path.join(REPO_ROOT, 'tools', 'reliability', 'advisories.json');

export function readReview(file = ADVISORIES_FILE): AdvisoryReview {
  return JSON.parse(readFileSync(file, 'utf8')) as AdvisoryReview;
}

/** Every production package (npm ls --omit=dev --all) with its installed versions. */
export async function installedProduction(): Promise<Map<string, string[]>> {
  // npm ls exits 1 for unmet optional peers; the tree is printed all the same.
  const { stdout } = await npm(['ls', '--omit=dev', '--all', '--json']);
  interface Node {
    version?: string;
    dependencies?: Record<string, Node>;
  }
  const found = new Map<string, Set<string>>();
  const walk = (node: Node) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      if (child.version) {
        if (!found.has(name)) found.set(name, new Set());
        found.get(name)?.add(child.version);
      }
      walk(child);
    }
  };
  walk(JSON.parse(stdout) as Node);
  return new Map([...found].map(([name, versions]) => [name, [...versions].sort(compare)]));
}

/** Checks the review against the installed production tree. */
export function checkReview(review: AdvisoryReview, installed: Map<string, string[]>): ManualReview {
  const problems: string[] = [];
  const notReachable: ManualReview['notReachable'] = [];
  const reviewedVersions = new Map<string, string[]>();
  let advisories = 0;
  for (const p of review.packages) {
    reviewedVersions.set(p.package, [...p.versions].sort(compare));
    for (const a of p.advisories) {
      advisories++;
      if (!validRange(a.affected)) throw new Error(`advisories.json: cannot read the range "${a.affected}"`);
      for (const version of installed.get(p.package) ?? []) {
        if (!satisfies(version, a.affected)) continue;
        if (a.status === 'not reachable' && a.why) {
          notReachable.push({ package: p.package, version, id: a.id, why: a.why });
        } else {
          problems.push(
            `${p.package} ${version} is in the range of ${a.id} (${a.affected}) without a reason`,
          );
        }
      }
    }
  }
  for (const [name, versions] of Object.entries(review.noAdvisoryFound.packages)) {
    reviewedVersions.set(name, versions.split(/\s+/).sort(compare));
  }
  for (const [name, versions] of installed) {
    const reviewed = reviewedVersions.get(name);
    if (!reviewed) problems.push(`${name} ${versions.join(', ')} is not in the review`);
    else if (reviewed.join(' ') !== versions.join(' '))
      problems.push(`${name}: reviewed ${reviewed.join(', ') || 'absent'}, installed ${versions.join(', ')}`);
  }
  for (const [name, reviewed] of reviewedVersions) {
    if (!installed.has(name) && reviewed.length > 0)
      problems.push(`${name}: reviewed ${reviewed.join(', ')}, no longer installed`);
  }
  return { reviewed: review.reviewed, packages: installed.size, advisories, notReachable, problems };
}

/** An npm command in the repository: its exit code and output, whatever the code. */
function npm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: REPO_ROOT });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface AuditReport {
  vulnerabilities?: Record<
    string,
    { name: string; severity: string; via: (string | { title?: string; source?: number })[] }
  >;
  metadata?: { vulnerabilities?: Record<string, number> };
  error?: { summary?: string };
  message?: string;
}

/** npm audit --omit=dev, and the review by hand checked against the installed tree. */
export async function auditCheck(): Promise<Outcome> {
  const out = await npm(['audit', '--omit=dev', '--json']);
  // The review by hand against the installed production tree: the evidence where the registry cannot answer,
  // and a freshness check where it can.
  const manual = checkReview(readReview(), await installedProduction());
  const notes = manual.problems.map((p) => `The review by hand is out of date: ${p}.`);
  let report: AuditReport = {};
  let refused: string | undefined;
  try {
    report = JSON.parse(out.stdout);
    // The message names the registry's address: keep it out of the report.
    if (report.error || report.message)
      refused = (report.message || report.error?.summary || 'the audit failed').replace(
        /\w+:\/\/\S+/g,
        "the registry's audit endpoint",
      );
  } catch {
    refused = `no report (${out.stderr.trim().split('\n').pop() ?? `exit ${out.code}`})`;
  }
  const bySeverity = report.metadata?.vulnerabilities ?? {};
  const highOrCritical = Object.values(report.vulnerabilities ?? {})
    .filter((v) => v.severity === 'high' || v.severity === 'critical')
    .map(
      (v) =>
        `${v.name}: ${v.via.map((x) => (typeof x === 'string' ? `via ${x}` : (x.title ?? ''))).join(', ')}`,
    );
  const total = Object.entries(bySeverity).reduce((n, [k, c]) => (k === 'total' ? n : n + c), 0);
  const severities = Object.entries(bySeverity).filter(([k, n]) => n > 0 && k !== 'total');
  // Where the registry's check did not run, it is not a pass: the review by hand fails when it does not hold.
  const verdict =
    refused !== undefined
      ? manual.problems.length
        ? 'FAIL'
        : 'not run'
      : highOrCritical.length
        ? 'FAIL'
        : 'pass';
  if (highOrCritical.length)
    notes.unshift('Each high or critical advisory must be fixed or explained in docs/RELIABILITY.md.');
  const reachable = manual.notReachable.map((n) => `${n.id} (${n.package} ${n.version})`);
  const lines = [
    refused === undefined
      ? `- **npm audit --omit=dev**: ${total} advisories${severities.length ? ` (${severities.map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}; high or critical: ${highOrCritical.length}${highOrCritical.length ? ` (${highOrCritical.join('; ')})` : ''}.`
      : `- **npm audit --omit=dev**: not run. The registry here gave no advisories: ${refused}.`,
    `- **Dependencies reviewed by hand** (${refused === undefined ? 'a freshness check' : verdict === 'FAIL' ? 'FAIL' : 'in place of npm audit, not a pass of it'}): ` +
      `tools/reliability/advisories.json (reviewed ${manual.reviewed}) against the ${manual.packages} production packages installed: ` +
      `${manual.advisories} published advisories checked: ${reachable.length ? `${reachable.join(', ')} affects an installed version but does not reach us (why in the file), no other affects one; ` : 'none affects an installed version; '}` +
      `${manual.problems.length ? `${manual.problems.length} problems with the review: ${manual.problems.join('; ')}` : 'every installed version is the one reviewed'}.`,
  ];
  return { verdict, notes, lines, result: { refused, total, bySeverity, highOrCritical, manual } };
}
