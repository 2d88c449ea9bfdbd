/**
 * Row 6: each function's bundle (esbuild, minified, ESM, the AWS SDK bundled in: the options of the CDK
 * construct in infra/constructs/app-function.ts) and its module init time, beside a bundle of only the SDK
 * clients that function needs, created at module load as the handler creates them.
 * Init time = a fresh `node` process timing `await import(bundle)`; runs alternate between the two bundles.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { runToEnd } from '../lib/procs.js';
import { compare, type Figure, type RowReport, skipped } from '../lib/report.js';
import { median } from '../lib/stats.js';
import type { BenchContext } from './context.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface FunctionDef {
  name: 'ingest' | 'feeds';
  entry: string;
  /** The SDK clients the function needs, as the baseline bundle's source. */
  sdkOnly: string;
  sdkLabel: string;
}

const FUNCTIONS: FunctionDef[] = [
  {
    name: 'ingest',
    entry: 'functions/ingest/handler.ts',
    sdkLabel: 'S3 + DynamoDB clients only',
    sdkOnly: `import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
const s3 = new S3Client({});
const dynamo = new DynamoDBClient({});
export const handler = async () => [s3, dynamo, marshall, unmarshall];`,
  },
  {
    name: 'feeds',
    entry: 'functions/feeds/handler.ts',
    sdkLabel: 'DynamoDB client only',
    sdkOnly: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
const dynamo = new DynamoDBClient({});
export const handler = async () => [dynamo, marshall, unmarshall];`,
  },
];

/**
 * The functions' bundle as the CDK construct builds it (infra/constructs/app-function.ts: BUNDLE), targeting
 * node20 so that it runs on this machine. Loaded when the row runs (it brings aws-cdk-lib along).
 */
async function bundleOptions(): Promise<BuildOptions> {
  return (await import('../../../infra/constructs/app-function.js')).LOCAL_BUILD_OPTIONS;
}

interface Bundle {
  file: string;
  bytes: number;
  gzip: number;
  /** Bytes in the output by package (node_modules/<name>, or "app" for our code), largest first. */
  byPackage: [string, number][];
}

const packageOf = (input: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? (m[1] as string) : 'app';
};

async function bundle(def: FunctionDef, dir: string, sdkOnly: boolean): Promise<Bundle> {
  const file = join(dir, `${def.name}${sdkOnly ? '-sdk-only' : ''}.mjs`);
  const result = await build({
    ...(await bundleOptions()),
    metafile: true,
    outfile: file,
    ...(sdkOnly
      ? {
          stdin: {
            contents: def.sdkOnly,
            resolveDir: ROOT,
            sourcefile: `${def.name}-sdk-only.ts`,
            loader: 'ts',
          },
        }
      : { entryPoints: [join(ROOT, def.entry)] }),
  });
  const sizes = new Map<string, number>();
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input);
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  const byPackage = [...sizes].sort((a, b) => b[1] - a[1]);
  return { file, bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length, byPackage };
}

/** "zod 120 KB, markdown-it 98 KB, …": the packages that the function adds beyond the SDK-only bundle. */
function beyondSdk(ours: Bundle, base: Bundle): string {
  const inBase = new Set(base.byPackage.map(([name]) => name));
  return ours.byPackage
    .filter(([name]) => !inBase.has(name))
    .slice(0, 5)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KB`)
    .join(', ');
}

const INIT_SCRIPT = `const t = performance.now(); const c = process.cpuUsage();
await import(process.env.BUNDLE);
const { user, system } = process.cpuUsage(c);
process.stdout.write(JSON.stringify({ wall: performance.now() - t, cpu: (user + system) / 1000 }));`;

/** Module init of a bundle in a fresh process: wall and CPU time (all threads), in ms. */
async function initTime(file: string): Promise<{ wall: number; cpu: number }> {
  const out = await runToEnd(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT], {
    BUNDLE: file,
    TABLE_NAME: 'feedbucket',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  return JSON.parse(out) as { wall: number; cpu: number };
}

export async function bundlesRow(ctx: BenchContext): Promise<RowReport> {
  const figures: Figure[] = [];
  const data: Record<string, unknown> = {};
  for (const [i, def] of FUNCTIONS.entries()) {
    const letter = String.fromCharCode(97 + i * 2);
    const next = String.fromCharCode(98 + i * 2);
    if (!existsSync(join(ROOT, def.entry))) {
      figures.push(skipped(`6${letter}`, `${def.name}: bundle size`, `${def.entry} does not exist yet`));
      figures.push(
        skipped(`6${next}`, `${def.name}: module init`, `${def.entry} does not exist yet`, INIT_TARGET),
      );
      continue;
    }
    const ours = await bundle(def, ctx.tmp, false);
    const base = await bundle(def, ctx.tmp, true);
    const oursRuns: { wall: number; cpu: number }[] = [];
    const baseRuns: { wall: number; cpu: number }[] = [];
    await initTime(ours.file); // the first read of a file is slower; both bundles get one unmeasured load
    await initTime(base.file);
    for (let r = 0; r < Math.max(ctx.runs, 11); r++) {
      baseRuns.push(await initTime(base.file));
      oursRuns.push(await initTime(ours.file));
    }
    const cpu = (runs: { cpu: number }[]) => runs.map((r) => r.cpu);
    const wall = (runs: { wall: number }[]) => runs.map((r) => r.wall);
    ctx.progress(`row 6: ${def.name} bundled and loaded ${oursRuns.length} times`);
    figures.push(
      compare(
        `6${letter}`,
        `${def.name}: bundle size (minified, SDK bundled)`,
        ctx.measure(def.name, 'bytes', [ours.bytes]),
        ctx.measure(def.sdkLabel, 'bytes', [base.bytes]),
        undefined,
        `gzip ${(ours.gzip / 1024).toFixed(0)} KB vs ${(base.gzip / 1024).toFixed(0)} KB; largest additions: ${beyondSdk(ours, base)}`,
      ),
      compare(
        `6${next}`,
        `${def.name}: module init (import of the bundle), CPU time`,
        ctx.measure(def.name, 'ms', cpu(oursRuns)),
        ctx.measure(def.sdkLabel, 'ms', cpu(baseRuns)),
        INIT_TARGET,
        `wall clock ${median(wall(oursRuns)).toFixed(0)} ms vs ${median(wall(baseRuns)).toFixed(0)} ms`,
      ),
    );
    data[def.name] = {
      bytes: ours.bytes,
      gzip: ours.gzip,
      sdkOnlyBytes: base.bytes,
      sdkOnlyGzip: base.gzip,
      byPackage: Object.fromEntries(ours.byPackage.slice(0, 15)),
      initWallMs: wall(oursRuns),
      sdkOnlyInitWallMs: wall(baseRuns),
    };
  }
  return { row: 6, title: 'bundle size and module init', figures, data };
}

const INIT_TARGET = { on: 'ratio', op: '<=', limit: 1.3 } as const;
