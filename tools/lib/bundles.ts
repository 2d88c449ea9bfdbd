/**
 * The functions' bundles as the CDK construct builds them (esbuild with `LOCAL_BUILD_OPTIONS` of
 * infra/constructs/app-function.ts, targeting node20 to run here), and their module init time in a fresh
 * process. For bench row 6 and the sizing measurements.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { REPO_ROOT, runToEnd } from './procs.js';

export interface Bundle {
  file: string;
  bytes: number;
  gzip: number;
  /** Bytes in the output by package (node_modules/<name>, or "app" for our code), largest first. */
  byPackage: [string, number][];
}

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'app';

/** Bundles `source` (a file of the repository, or TypeScript text) into `file`. */
export async function bundle(
  source: { entry: string } | { contents: string },
  file: string,
  extra: BuildOptions = {},
): Promise<Bundle> {
  // Loaded when needed: it brings aws-cdk-lib along.
  const { LOCAL_BUILD_OPTIONS } = await import('../../infra/constructs/app-function.js');
  const result = await build({
    ...LOCAL_BUILD_OPTIONS,
    metafile: true,
    outfile: file,
    ...('entry' in source
      ? { entryPoints: [join(REPO_ROOT, source.entry)] }
      : {
          stdin: { contents: source.contents, resolveDir: REPO_ROOT, sourcefile: 'stdin.ts', loader: 'ts' },
        }),
    ...extra,
  });
  const sizes = new Map<string, number>();
  for (const output of Object.values(result.metafile?.outputs ?? {}))
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      sizes.set(packageOf(input), (sizes.get(packageOf(input)) ?? 0) + bytesInOutput);
  const byPackage = [...sizes].sort((a, b) => b[1] - a[1]);
  return { file, bytes: statSync(file).size, gzip: gzipSync(readFileSync(file)).length, byPackage };
}

/** The environment a bundled handler starts with (no network is touched at init). */
export const HANDLER_ENV = {
  TABLE_NAME: 'feedbucket',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  LOG_LEVEL: 'SILENT',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const INIT_SCRIPT = `const t = performance.now(); const c = process.cpuUsage();
await import(process.env.BUNDLE);
const { user, system } = process.cpuUsage(c);
process.stdout.write(JSON.stringify({ wall: performance.now() - t, cpu: (user + system) / 1000 }));`;

/** Module init of a bundle in a fresh process: wall and CPU time (all threads), in ms. */
export async function initTime(file: string): Promise<{ wall: number; cpu: number }> {
  const out = await runToEnd(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT], {
    ...HANDLER_ENV,
    BUNDLE: pathToFileURL(file).href,
  });
  return JSON.parse(out) as { wall: number; cpu: number };
}
