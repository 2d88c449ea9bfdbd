/**
 * `npm run bench`: every row of the benchmark table, each figure a median of several runs beside its baseline
 * measured in the same run. Prints one table; writes tools/bench/results/latest.json (and the table in
 * latest.md). Options (--only, --runs, --quick, --seed): docs/PERFORMANCE.md, "How to run".
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED } from '../lib/corpus.js';
import { now } from '../lib/stats.js';
import { type BenchContext, failed, markdownTable, type RowReport, type RowResult } from './lib/report.js';
import { bundlesRow } from './rows/bundles.js';
import { capacityRow } from './rows/capacity.js';
import { handlersRow } from './rows/handlers.js';
import { ingestRows } from './rows/ingest.js';
import { parseRow } from './rows/parse.js';
import { scaleRow } from './rows/scale.js';
import { servingRows } from './rows/serving.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROWS: { row: number; title: string; run: (ctx: BenchContext) => Promise<RowResult> }[] = [
  { row: 1, title: 'parse + validate + normalize', run: parseRow },
  {
    row: 2,
    title: 'local ingest end to end',
    run: async (ctx) => (await ingestRows(ctx)).ingest as RowResult,
  },
  { row: 3, title: 'warm 50-item topic feed over HTTP', run: async (ctx) => (await servingRows(ctx)).feed },
  { row: 4, title: '304 to a conditional request', run: async (ctx) => (await servingRows(ctx)).notModified },
  { row: 5, title: 'feed latency against table size', run: scaleRow },
  { row: 6, title: 'bundle size and module init', run: bundlesRow },
  { row: 7, title: 'DynamoDB capacity units', run: capacityRow },
  { row: 8, title: 'drop to feed', run: async (ctx) => (await ingestRows(ctx)).drop as RowResult },
  { row: 9, title: 'bundled handlers on Lambda events', run: handlersRow },
];

const RESULTS = fileURLToPath(new URL('./results', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      quick: { type: 'boolean', default: false },
    },
  });
  const only = values.only?.split(',').map(Number).filter(Number.isInteger);
  const unknown = only?.filter((n) => !ROWS.some((r) => r.row === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown row(s) ${unknown.join(', ')}; rows are ${ROWS.map((r) => r.row).join(', ')}`);
    process.exit(2);
  }
  const rows = ROWS.filter((r) => !only || only.includes(r.row));
  const tmp = mkdtempSync(join(tmpdir(), 'feedbucket-bench-'));
  const started = now();
  const load = () => loadavg().map((l) => Number(l.toFixed(2)));
  const loadAtStart = load();
  const [busy = 0] = loadAtStart;
  if (busy > cpus().length * 0.5) {
    process.stderr.write(
      `note: the machine is busy before the bench starts (load average ${busy.toFixed(1)} on ${cpus().length} cores): ` +
        'ratios are still from one run, but noisier; absolute figures will be low\n',
    );
  }
  const ctx: BenchContext = {
    selected: rows.map((r) => r.row),
    seed: Number(values.seed),
    runs: Math.max(1, Number(values.runs)),
    quick: values.quick,
    tmp,
    progress: (message) =>
      process.stderr.write(`[${((now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`),
  };

  const reports: (RowReport & { at: string })[] = [];
  try {
    for (const def of rows) {
      ctx.progress(`row ${def.row}: ${def.title}`);
      const t = now();
      const result = await def.run(ctx).catch((error): RowResult => {
        ctx.progress(
          `row ${def.row} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
        );
        return { figures: [failed(String(def.row), def.title, error)] };
      });
      const report: RowReport = { row: def.row, title: def.title, ...result };
      report.seconds = Number(((now() - t) / 1000).toFixed(1));
      reports.push({ ...report, at: new Date().toISOString() });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  // A partial run replaces its rows in the previous results and keeps the others (each row's ratios come
  // from one run, so rows from different runs can stand side by side).
  const latest = join(RESULTS, 'latest.json');
  const previous: typeof reports =
    only && !values.quick && existsSync(latest) ? JSON.parse(readFileSync(latest, 'utf8')).rows : [];
  const merged = [...previous.filter((r) => !reports.some((n) => n.row === r.row)), ...reports].sort(
    (a, b) => a.row - b.row,
  );
  const results = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage: load(),
      loadAverageAtStart: loadAtStart,
    },
    seconds: Math.round((now() - started) / 1000),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    rows: merged,
  };
  const table = markdownTable(merged);
  // A quick run checks the harness; its figures are not results, so they do not replace the last real ones.
  if (!values.quick) {
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(latest, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS, 'latest.md'), `${table}\n`);
  }

  console.log(`\n${table}\n`);
  console.log(
    `${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}; ` +
      `this run ${((now() - started) / 1000).toFixed(0)} s; ${values.quick ? 'a quick run: nothing written' : 'results in tools/bench/results/'}`,
  );
  if (reports.some((r) => r.figures.some((f) => f.verdict === 'ERROR'))) process.exitCode = 1;
}

await main();
