/**
 * The audit check: `npm audit --omit=dev`, and the review by hand (tools/reliability/advisories.json) checked
 * against the installed production tree: in place of the audit where the registry refuses it, else noted if
 * stale.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compare, satisfies, validRange } from 'semver';
import { REPO_ROOT } from '../lib/procs.js';
import type { Outcome } from './check.js';

interface AdvisoryReview {
  reviewed: string;
  packages: {
    package: string;
    versions: string[];
    advisories: {
      id: string;
      /** Affected versions, a semver range: `>=4.0.0 <4.1.1 || >=5.0.0 <5.0.2`, or `*`. */
      affected: string;
      /** `not affected` (no installed version in range), or why an installed, affected version does not reach us. */
      status: 'not affected' | 'not reachable';
      why?: string;
    }[];
  }[];
  noAdvisoryFound: { packages: Record<string, string> };
}

/** An npm command in the repository, whatever its exit code (npm audit exits 1 when it finds advisories). */
const npm = (args: string[]) =>
  spawnSync('npm', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });

/** Every production package (npm's `.prod` selector, the project itself left out) with its installed versions. */
function installedProduction(): Map<string, string[]> {
  const found = new Map<string, Set<string>>();
  const nodes = JSON.parse(npm(['query', '.prod']).stdout) as Record<string, string>[];
  for (const { name, version, location } of nodes)
    if (name && version && location) found.set(name, (found.get(name) ?? new Set()).add(version));
  return new Map([...found].map(([name, versions]) => [name, [...versions].sort(compare)]));
}

/**
 * The review against the installed production tree: the advisories whose range holds an installed version
 * with why they do not reach us, and what is wrong with the review (versions it did not review, packages it
 * misses, unexplained advisories).
 */
export function checkReview(review: AdvisoryReview, installed: Map<string, string[]>) {
  const problems: string[] = [];
  const notReachable: { package: string; version: string; id: string; why: string }[] = [];
  const reviewedVersions = new Map<string, string[]>();
  let advisories = 0;
  for (const p of review.packages) {
    reviewedVersions.set(p.package, [...p.versions].sort(compare));
    for (const a of p.advisories) {
      advisories++;
      if (!validRange(a.affected)) throw new Error(`advisories.json: cannot read the range "${a.affected}"`);
      for (const version of installed.get(p.package) ?? []) {
        if (!satisfies(version, a.affected)) continue;
        if (a.status === 'not reachable' && a.why)
          notReachable.push({ package: p.package, version, id: a.id, why: a.why });
        else
          problems.push(
            `${p.package} ${version} is in the range of ${a.id} (${a.affected}) without a reason`,
          );
      }
    }
  }
  for (const [name, versions] of Object.entries(review.noAdvisoryFound.packages))
    reviewedVersions.set(name, versions.split(/\s+/).sort(compare));
  for (const [name, versions] of installed) {
    const reviewed = reviewedVersions.get(name);
    if (!reviewed) problems.push(`${name} ${versions.join(', ')} is not in the review`);
    else if (reviewed.join(' ') !== versions.join(' '))
      problems.push(`${name}: reviewed ${reviewed.join(', ') || 'absent'}, installed ${versions.join(', ')}`);
  }
  for (const [name, reviewed] of reviewedVersions)
    if (!installed.has(name) && reviewed.length > 0)
      problems.push(`${name}: reviewed ${reviewed.join(', ')}, no longer installed`);
  return { reviewed: review.reviewed, packages: installed.size, advisories, notReachable, problems };
}

/** What `npm audit --json` prints (the parts read here). */
interface AuditReport {
  vulnerabilities?: Record<string, { name: string; severity: string; via: (string | { title?: string })[] }>;
  metadata?: { vulnerabilities?: Record<string, number> };
  error?: { summary?: string };
  message?: string;
}

/** npm audit --omit=dev, and the review by hand checked against the installed tree. */
export async function auditCheck(): Promise<Outcome> {
  const out = npm(['audit', '--omit=dev', '--json']);
  // The review by hand against the installed production tree: the evidence where the registry cannot answer,
  // and a freshness check where it can.
  const file = path.join(REPO_ROOT, 'tools', 'reliability', 'advisories.json');
  const manual = checkReview(JSON.parse(readFileSync(file, 'utf8')) as AdvisoryReview, installedProduction());
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
    refused = `no report (${out.stderr.trim().split('\n').pop() ?? `exit ${out.status}`})`;
  }
  const bySeverity = report.metadata?.vulnerabilities ?? {};
  const via = (x: string | { title?: string }) => (typeof x === 'string' ? `via ${x}` : (x.title ?? ''));
  const highOrCritical = Object.values(report.vulnerabilities ?? {})
    .filter((v) => v.severity === 'high' || v.severity === 'critical')
    .map((v) => `${v.name}: ${v.via.map(via).join(', ')}`);
  const total = Object.entries(bySeverity).reduce((n, [k, c]) => (k === 'total' ? n : n + c), 0);
  const severities = Object.entries(bySeverity).filter(([k, n]) => n > 0 && k !== 'total');
  // Where the registry's check did not run, it is not a pass: the review by hand fails when it does not hold.
  const failed = refused === undefined ? highOrCritical.length > 0 : manual.problems.length > 0;
  const verdict = failed ? 'FAIL' : refused === undefined ? 'pass' : 'not run';
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
