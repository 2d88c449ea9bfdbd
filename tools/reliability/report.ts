/**
 * The figures of a reliability run, written into RELIABILITY.md between its markers (the prose around them
 * is kept) and into reliability/results/latest.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ManualReview } from './advisories.js';
import type { BrowserResult } from './browser.js';
import type { ProbeRun } from './dynalite-probe.js';
import type { HostileResult } from './hostile-run.js';
import type { LoadResult } from './load.js';
import { REPO_ROOT } from './processes.js';

export const BEGIN = '<!-- reliability:begin (written by npm run reliability; edits inside are replaced) -->';
export const END = '<!-- reliability:end -->';

export type Verdict = 'pass' | 'FAIL' | 'not run';

export interface Step<T = unknown> {
  name: string;
  verdict: Verdict;
  /** One line per finding or reason. */
  notes: string[];
  ms: number;
  result?: T;
}

export interface FaultsResult {
  files: number;
  outage: { afterIngested: number; atMs: number; downMs: number; ingestedWhileDown: number };
  drainedAfterRestartMs: number;
  totalMs: number;
  failedDeliveries: number;
  fileStates: { ok: number; rejected: number; deleted: number; other: number };
  rejections: { key: string; reason?: string }[];
  articles: number;
  expectedArticles: number;
  allEntries: number;
  pending: number;
  duplicates: string[];
  countMismatches: string[];
  items: number;
  differencesFromClean: number;
  differingPaths: Record<string, number>;
  countersOnlyDifferences: number;
  firstDifferences: string[];
}

export interface StormResult
  extends Omit<
    FaultsResult,
    | 'files'
    | 'outage'
    | 'drainedAfterRestartMs'
    | 'totalMs'
    | 'rejections'
    | 'expectedArticles'
    | 'allEntries'
    | 'duplicates'
  > {
  events: number;
  kinds: Record<string, number>;
  deliveries: number;
  stormMs: number;
  cleanItems: number;
  duplicates: number;
  /** Topics named, in the bucket (by the earliest upload's spelling), and how many of them each table names otherwise. */
  topicNames: number;
  topicNamesWrong: { storm: number; clean: number };
  firstWrongNames: string[];
}

/** The probe of the local DynamoDB: dynalite as published and with the local fixes, on disk and in memory. */
/** The throttle mode and the handler time limit during an ingest (reliability/limits.ts). */
export interface LimitsResult
  extends Omit<FaultsResult, 'outage' | 'uploadedMs' | 'drainedAfterRestartMs' | 'failedDeliveries'> {
  mode: 'throttle' | 'time-limit';
  throttleShare: number;
  timeoutMs: number;
  dataRequests: number;
  throttled: number;
  ingestMs: number;
  failedDeliveries: number;
  invocationsStopped: number;
  stoppedAfterRedrive: number;
  deadLettered: number;
  deadLetteredAfterRedrive: number;
}

export interface ProbeResult {
  published: { disk: ProbeRun; memory: ProbeRun };
  fixed: { disk: ProbeRun; memory: ProbeRun };
}

export interface AuditResult {
  /** npm audit's answer, when the registry gives one. */
  registry?: {
    total: number;
    bySeverity: Record<string, number>;
    highOrCritical: { name: string; severity: string; title: string; via: string }[];
  };
  /** Why npm audit got no advisories (the registry refused), when it did not. */
  refused?: string;
  /** The review by hand (reliability/advisories.json) checked against the installed production tree. */
  manual?: ManualReview;
}

export interface RunReport {
  startedAt: string;
  command: string;
  machine: { node: string; cpus: number; loadAverage: number[] };
  steps: Step[];
  /** Later runs of some checks only (`--merge`), whose steps replaced those of this run. */
  later?: { startedAt: string; command: string; steps: string[] }[];
}

const fmt = (n: number) => n.toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const find = <T>(r: RunReport, name: string) => r.steps.find((x) => x.name === name) as Step<T> | undefined;

function loadLines(step: Step<LoadResult> | undefined): string[] {
  if (!step?.result) return [`- **Load**: ${step?.verdict ?? 'not run'}. ${step?.notes.join(' ') ?? ''}`];
  const l = step.result;
  const kinds = Object.entries(l.kinds)
    .map(([k, v]) => `${k} ${fmt(v.sent)} (${v.expect}${v.unexpected ? `, ${v.unexpected} other` : ''})`)
    .join('; ');
  return [
    `- **Load held** (${step.verdict}): ${l.connections} connections for ${l.durationS} s (after ${l.warmup.seconds} s of warm-up) against the local stack (another process): ` +
      `${fmt(l.requests)} requests (${fmt(l.requestsPerSecond)}/s, p50 ${l.latencyP50Ms} ms, p99 ${l.latencyP99Ms} ms), ` +
      `**${fmt(l.status5xx)} 5xx, ${fmt(l.errors - l.timeouts)} connection errors, ${fmt(l.timeouts)} timeouts** (no answer within 10 s).`,
    `  - Mix (status each must get): ${kinds}.`,
    `  - Resident memory of the stack process (median): **first 10 s ${l.rssFirst10sMb} MB, last 10 s ${l.rssLast10sMb} MB** ` +
      `(${l.rssLast10sMb >= l.rssFirst10sMb ? '+' : ''}${Math.round((l.rssLast10sMb / l.rssFirst10sMb - 1) * 100)} %); every second: ${l.rssMb.map(Math.round).join(', ')}.` +
      (l.heapAfterGcMb
        ? ` JS heap in use after a full GC: ${l.heapAfterGcMb[0]} MB before the warm-up, ${l.heapAfterGcMb[1]} MB after the run.`
        : ''),
    ...step.notes.map((n) => `  - ${n}`),
  ];
}

function faultLines(step: Step<FaultsResult> | undefined): string[] {
  if (!step?.result)
    return [
      `- **DynamoDB outage during ingest**: ${step?.verdict ?? 'not run'}. ${step?.notes.join(' ') ?? ''}`,
    ];
  const f = step.result;
  return [
    `- **DynamoDB outage during ingest** (${step.verdict}): ${fmt(f.files)} files; dynalite killed (SIGKILL) after ${fmt(f.outage.afterIngested)} were ingested, ` +
      `down ${s(f.outage.downMs)}, restarted on the same port and data; drained ${s(f.drainedAfterRestartMs)} after the restart (${s(f.totalMs)} in all), ` +
      `${fmt(f.failedDeliveries)} deliveries failed and were redelivered. ` +
      `**Files: ${fmt(f.fileStates.ok)} ingested, ${fmt(f.fileStates.rejected)} rejected, lost: ${fmt(f.files - f.fileStates.ok - f.fileStates.rejected)}**; ` +
      `${fmt(f.articles)} articles (clean ingest: ${fmt(f.expectedArticles)}), ${fmt(f.allEntries)} in the all-articles feed, ` +
      `${f.duplicates.length} twice, ${f.pending} half-written, ${f.countMismatches.length} topic counts off; ` +
      `table vs a clean ingest of the same events: ${fmt(f.differencesFromClean)} ${f.differencesFromClean === 1 ? 'item differs' : 'items differ'} in content` +
      `${f.countersOnlyDifferences ? ` (${fmt(f.countersOnlyDifferences)} more differ only in write counters)` : ''}.`,
    ...step.notes.map((n) => `  - ${n}`),
  ];
}

/** What reliability/websub.ts reports for one run. */
export interface WebSubRun {
  hubs: 'failing' | 'none';
  files: number;
  ingestMs: number;
  filesPerSecond: number;
  publishedAfterMs: number;
  fileStates: { ok: number; rejected: number; deleted: number; other: number };
  articles: number;
  allEntries: number;
  pending: number;
  duplicates: number;
  countMismatches: number;
  feedsPinged: number;
  pingsAccepted: number;
  hangingRequests: number;
  warnings: { down: number; hanging: number };
  mismatched: string[];
  firstWarning?: string;
}

export interface WebSubResult {
  failing: WebSubRun;
  none: WebSubRun;
}

export function websubLines(step: Step<WebSubResult> | undefined): string[] {
  if (!step?.result)
    return step ? [`- **WebSub hubs failing**: ${step.verdict}. ${step.notes.join(' ')}`] : [];
  const { failing: f, none: n } = step.result;
  return [
    `- **WebSub hubs failing** (${step.verdict}): ${fmt(f.files)} corpus files ingested twice with three hubs (one down, one that ` +
      `never answers, one that accepts and counts; in another process) in ${s(f.ingestMs)} (${f.filesPerSecond} files/s), and twice with none in ` +
      `${s(n.ingestMs)} (${n.filesPerSecond} files/s), in the order none, hubs, hubs, none: ${(f.filesPerSecond / n.filesPerSecond).toFixed(2)} of the throughput. ` +
      `Last runs: files ok ${fmt(f.fileStates.ok)} and ${fmt(n.fileStates.ok)}; articles ${fmt(f.articles)} and ${fmt(n.articles)}; ` +
      `pending ${f.pending}, duplicates ${f.duplicates}, counter mismatches ${f.countMismatches}. The accepting hub heard ` +
      `${fmt(f.pingsAccepted)} pings for ${fmt(f.feedsPinged)} feed URLs; ${fmt(f.warnings.down)} warnings for the hub that is down and ` +
      `${fmt(f.warnings.hanging)} for the one that hangs (it got ${fmt(f.hangingRequests)} requests), one per hub, feed and run ` +
      `(${f.mismatched.length} feeds where they differ); the last pings were settled ${s(f.publishedAfterMs)} after the ingest.` +
      (f.firstWarning ? ` A warning: \`${f.firstWarning.replace(/\s+/g, ' ')}\`.` : ''),
  ];
}

function stormLines(step: Step<StormResult> | undefined): string[] {
  if (!step?.result)
    return [`- **Event storm**: ${step?.verdict ?? 'not run'}. ${step?.notes.join(' ') ?? ''}`];
  const t = step.result;
  const kinds = Object.entries(t.kinds)
    .map(([k, v]) => `${fmt(v)} ${k}`)
    .join(', ');
  return [
    `- **Event storm** (${step.verdict}): ${fmt(t.events)} bucket events (${kinds}), each delivered 3 times in random order ` +
      `(${fmt(t.deliveries)} deliveries, ${s(t.stormMs)}): ${fmt(t.items)} items vs ${fmt(t.cleanItems)} after a clean ingest, ` +
      `**${fmt(t.differencesFromClean)} differ in content**` +
      `${t.countersOnlyDifferences ? `, ${fmt(t.countersOnlyDifferences)} only in write counters (v, version, revision)` : ''}; ` +
      `${t.pending} half-written, ${t.duplicates} duplicates, ${t.countMismatches.length} topic counts off; ` +
      `topic names checked against the bucket (the spelling of each topic's earliest upload): ${fmt(t.topicNamesWrong.storm)} of ${fmt(t.topicNames)} wrong in the storm's table, ${fmt(t.topicNamesWrong.clean)} in the clean one.`,
    ...step.notes.map((n) => `  - ${n}`),
  ];
}

function limitsLines(step: Step<LimitsResult> | undefined, title: string): string[] {
  if (!step?.result) return [`- **${title}**: ${step?.verdict ?? 'not run'}. ${step?.notes.join(' ') ?? ''}`];
  const m = step.result;
  return [
    `- **${title}** (${step.verdict}): ${fmt(m.files)} files ingested through the queue and the handler's local Lambda environments ` +
      `(time limit ${s(m.timeoutMs)}) while the local DynamoDB throttled ${Math.round(m.throttleShare * 100)} % of data requests ` +
      `(${fmt(m.throttled)} of ${fmt(m.dataRequests)} answered ProvisionedThroughputExceededException): ${s(m.ingestMs)}, ` +
      `${fmt(m.failedDeliveries)} deliveries failed and were redelivered, **${fmt(m.invocationsStopped)} invocations stopped at the time limit, ` +
      `${fmt(m.deadLettered)} messages dead-lettered** after 5 receives` +
      (m.deadLettered
        ? ` (redriven once the throttling stopped: ${fmt(m.deadLetteredAfterRedrive)} dead-lettered again)`
        : '') +
      `. **Files: ${fmt(m.fileStates.ok)} ingested, ${fmt(m.fileStates.rejected)} rejected, lost: ${fmt(m.files - m.fileStates.ok - m.fileStates.rejected)}**; ` +
      `${fmt(m.articles)} articles (clean ingest: ${fmt(m.expectedArticles)}), ${m.duplicates.length} twice in the all-articles feed, ${m.pending} half-written, ` +
      `${m.countMismatches.length} topic counts off; table vs a clean ingest: ${fmt(m.differencesFromClean)} items differ in content` +
      `${m.countersOnlyDifferences ? ` (${fmt(m.countersOnlyDifferences)} more only in write counters)` : ''}.`,
    ...step.notes.map((n) => `  - ${n}`),
  ];
}

function hostileLines(step: Step<HostileResult> | undefined): string[] {
  if (!step?.result)
    return [`- **Hostile input**: ${step?.verdict ?? 'not run'}. ${step?.notes.join(' ') ?? ''}`];
  const h = step.result;
  const b: BrowserResult = h.browser;
  const files =
    h.catalogue.unexpected.length === 0 && h.properties.threw === 0 && h.properties.problems.length === 0;
  const requests =
    h.requests.status5xx === 0 && h.requests.dropped === 0 && h.requests.unexpected.length === 0;
  const pages = !b.ran ? 'not run' : b.failures.length === 0 ? 'pass' : 'FAIL';
  return [
    `- **Hostile files** (${files ? 'pass' : 'FAIL'}): the catalogue's ${h.catalogue.files} files through the local stack: ${h.catalogue.articles} articles, ` +
      `${h.catalogue.rejected} rejected with a reason${h.catalogue.refusedByS3 ? `, ${h.catalogue.refusedByS3} refused by the S3 endpoint` : ''}, ${h.catalogue.unexpected.length} otherwise; plus ${fmt(h.properties.inputs)} generated inputs ` +
      `(fast-check) through the ingest core and every feed and page rendered after them: ${h.properties.threw} threw, ${h.properties.problems.length} feed or page problems. ` +
      `Worst time for one file: ${h.catalogue.worstMs} ms (${h.catalogue.worstFile}).`,
    `- **Hostile requests** (${requests ? 'pass' : 'FAIL'}): ${h.requests.sent} sent raw to the stack's HTTP port` +
      `${h.requests.protocol ? ` (${h.requests.protocol} of them malformed at the protocol level: CONNECT, HTTP/2 and TLS prefaces, smuggling, bare CR, oversized heads, no Host)` : ''}: ` +
      `${h.requests.status5xx} 5xx, ${h.requests.dropped} without an answer, ${h.requests.unexpected.length} unexpected answers or refusals without a reason` +
      `${h.requests.unexpected.length ? ` (${h.requests.unexpected.join('; ')})` : ''}.`,
    b.ran
      ? `- **Pages in Chromium ${b.chromium}** (${pages}): ${b.pages} pages (index, every topic, a merged pair), each as served and with CSP bypassed: ` +
        `${b.failures.length} with a dialog, a run script, a \`__pwned\` request, a script element, an event handler or a script URL; ` +
        `${b.checks.reduce((n, c) => n + c.cspViolations, 0)} CSP violations reported.`
      : `- **Pages in Chromium**: not run: ${b.skipped}.`,
    ...step.notes.map((n) => `  - ${n}`),
  ];
}

export function auditLines(step: Step<AuditResult> | undefined): string[] {
  const a = step?.result;
  if (!step || !a)
    return [`- **npm audit --omit=dev**: ${step?.verdict ?? 'not run'}. ${step?.notes.join(' ') ?? ''}`];
  const lines: string[] = [];
  if (a.registry) {
    const r = a.registry;
    const sev = Object.entries(r.bySeverity)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    lines.push(
      `- **npm audit --omit=dev** (${step.verdict}): ${r.total} advisories${sev ? ` (${sev})` : ''}; high or critical: ${r.highOrCritical.length}` +
        `${r.highOrCritical.length ? ` (${r.highOrCritical.map((v) => `${v.name}: ${v.title}`).join('; ')})` : ''}.`,
    );
  } else {
    lines.push(`- **npm audit --omit=dev**: not run. The registry here gave no advisories: ${a.refused}.`);
  }
  const m = a.manual;
  if (m) {
    lines.push(
      `- **Dependencies reviewed by hand** (${a.registry ? 'a freshness check' : step.verdict === 'FAIL' ? 'FAIL' : 'in place of npm audit, not a pass of it'}): ` +
        `reliability/advisories.json (reviewed ${m.reviewed}) against the ${m.packages} production packages installed: ` +
        `${m.advisories} published advisories checked: ${
          m.notReachable.length
            ? `${m.notReachable.map((n) => `${n.id} (${n.package} ${n.version})`).join(', ')} affects an installed version but does not reach us (why in the file), no other affects one; `
            : 'none affects an installed version; '
        }` +
        `${m.problems.length ? `${m.problems.length} problems with the review: ${m.problems.join('; ')}` : 'every installed version is the one reviewed'}.`,
    );
  }
  return [...lines, ...step.notes.map((n) => `  - ${n}`)];
}

export function probeLines(step: Step<ProbeResult> | undefined): string[] {
  if (!step?.result) return [];
  const p = step.result;
  const d = p.published.disk;
  const run = (r: ProbeRun) =>
    `${r.rssMb.join(' → ')} MB, ${r.kbPerQuery} KB per query over the second half, ${fmt(r.openIterators)} iterators left open`;
  return [
    `- **Probe of the local DynamoDB** (diagnosis, no verdict): ${fmt(d.queries)} Queries of ${d.limit} items on a ${fmt(d.partitionItems)}-item partition, ` +
      'resident memory after a full GC before and at each quarter (dynalite in the probing process, one process per variant):',
    `  - dynalite 4.0.0 as published: on disk (as the local stack keeps it) ${run(p.published.disk)}; in memory ${run(p.published.memory)}.`,
    `  - with local/dynalite-fixes.mjs: on disk ${run(p.fixed.disk)}; in memory ${run(p.fixed.memory)}.`,
  ];
}

/** The headline figures: load held, faults survived, bad inputs tried, files lost. */
function summaryLines(r: RunReport): string[] {
  const out: string[] = [];
  const l = find<LoadResult>(r, 'load')?.result;
  const f = find<FaultsResult>(r, 'faults')?.result;
  const t = find<StormResult>(r, 'storm')?.result;
  const h = find<HostileResult>(r, 'hostile')?.result;
  if (l) {
    out.push(
      `- Load held: ${fmt(l.requests)} requests from ${l.connections} connections in ${l.durationS} s, ${fmt(l.status5xx)} 5xx, ` +
        `${fmt(l.errors)} connection errors or timeouts; resident memory ${l.rssFirst10sMb} MB (first 10 s) and ${l.rssLast10sMb} MB (last 10 s).`,
    );
  }
  if (f || t) {
    out.push(
      `- Faults survived: ${f ? `DynamoDB down ${s(f.outage.downMs)} in the middle of ingesting ${fmt(f.files)} files` : ''}` +
        `${f && t ? '; ' : ''}${t ? `${fmt(t.events)} events each delivered 3 times in random order` : ''}.`,
    );
  }
  if (h) {
    const opened = h.browser.checks.length;
    out.push(
      `- Bad inputs tried: ${fmt(h.catalogue.files)} hostile files and ${fmt(h.properties.inputs)} generated ones, ` +
        `${fmt(h.requests.sent)} hostile requests${opened ? `, ${fmt(opened)} page openings in Chromium` : ''} (plus the fast-check runs of \`npm test\`).`,
    );
  }
  const th = find<LimitsResult>(r, 'throttle')?.result;
  const tl = find<LimitsResult>(r, 'time-limit')?.result;
  if (th || tl) {
    out.push(
      `- AWS's limits held locally: ${th ? `${Math.round(th.throttleShare * 100)} % of DynamoDB requests throttled while ingesting ${fmt(th.files)} files (${fmt(th.deadLettered)} dead letters)` : ''}` +
        `${th && tl ? '; ' : ''}${tl ? `a ${s(tl.timeoutMs)} handler time limit overrun ${fmt(tl.invocationsStopped)} times (${fmt(tl.deadLettered)} dead letters, redriven)` : ''}.`,
    );
  }
  if (f)
    out.push(
      `- Files lost: ${fmt(f.files - f.fileStates.ok - f.fileStates.rejected)} of ${fmt(f.files)} through the outage.`,
    );
  return out;
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
    ...summaryLines(r),
    '',
    '| check | verdict | time |',
    '| --- | --- | --- |',
    ...r.steps.map((st) => `| ${st.name} | ${st.verdict} | ${s(st.ms)} |`),
    '',
    ...loadLines(find(r, 'load')),
    ...faultLines(find(r, 'faults')),
    ...stormLines(find(r, 'storm')),
    ...limitsLines(find(r, 'throttle'), 'DynamoDB throttling during ingest'),
    ...limitsLines(find(r, 'time-limit'), 'Handler time limit overrun during ingest'),
    ...websubLines(find(r, 'websub')),
    ...hostileLines(find(r, 'hostile')),
    ...auditLines(find(r, 'audit')),
    ...probeLines(find(r, 'probe')),
    '',
    END,
  ];
  return lines.join('\n');
}

/** Replaces the block between the markers of RELIABILITY.md (appends one if there is none). */
export function writeReport(r: RunReport): void {
  const results = path.join(REPO_ROOT, 'tools', 'reliability', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, 'latest.json'), `${JSON.stringify(r, null, 2)}\n`);
  const file = path.join(REPO_ROOT, 'RELIABILITY.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Reliability\n\n';
  const block = markdownBlock(r);
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const next =
    begin !== -1 && end > begin
      ? `${text.slice(0, begin)}${block}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
  // In the project's format (Biome formats Markdown and JSON too), so `npm run lint` stays clean.
  spawnSync(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'biome'),
    ['format', '--write', file, path.join(results, 'latest.json')],
    {
      stdio: 'ignore',
    },
  );
}
