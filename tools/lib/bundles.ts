/**
 * The functions' bundles as the CDK construct builds them (esbuild with `LOCAL_BUILD_OPTIONS` of
 * infra/constructs/app-function.ts, targeting node20 to run here), and their module init time in a fresh
 * process, and their handlers on Lambda events there. For bench rows 6 and 9.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { HANDLER_ENV } from './app.js';
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

/** Imports a bundle (its module init), then calls its handler on each event of EVENTS in order. */
const RUNNER = `import { readFileSync } from 'node:fs';
const events = process.env.EVENTS ? JSON.parse(readFileSync(process.env.EVENTS, 'utf8')) : [];
const t = performance.now(); const c = process.cpuUsage();
const mod = await import(process.env.BUNDLE);
const { user, system } = process.cpuUsage(c);
const init = { wall: performance.now() - t, cpu: (user + system) / 1000 };
const results = [];
for (const event of events) {
  const c = process.cpuUsage();
  const w = performance.now();
  const r = await mod.handler(event);
  const cpu = process.cpuUsage(c);
  const body = r.body ? Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  results.push({ wall: performance.now() - w, cpu: (cpu.user + cpu.system) / 1000, status: r.statusCode,
    failures: r.batchItemFailures?.length ?? 0, bytes: body.length, encoding: r.headers?.['content-encoding'] ?? 'identity' });
}
process.stdout.write(JSON.stringify({ node: process.version, init, results, maxRssKB: process.resourceUsage().maxRSS }));`;

export interface BundleRun {
  /** The version of the Node.js that ran it. */
  node: string;
  /** Module init: wall and CPU time (all threads), ms. */
  init: { wall: number; cpu: number };
  /** Per event: wall and CPU time (ms), the answer's status, batch item failures, body bytes and encoding. */
  results: {
    wall: number;
    cpu: number;
    status?: number;
    failures: number;
    bytes: number;
    encoding: string;
  }[];
  maxRssKB: number;
}

/** The Node.js that runs the bundles: BENCH_NODE (say Node 24, the functions' runtime), else this one. */
const BUNDLE_NODE = process.env.BENCH_NODE || process.execPath;

/** A bundle in a fresh process (a new Lambda instance): its module init, then its handler on `events`. */
export async function runBundle(file: string, events: unknown[] = [], env: NodeJS.ProcessEnv = {}) {
  const eventsFile = `${file}.events.json`;
  if (events.length > 0) writeFileSync(eventsFile, JSON.stringify(events));
  const out = await runToEnd(BUNDLE_NODE, ['--input-type=module', '-e', RUNNER], {
    ...HANDLER_ENV,
    ...env,
    BUNDLE: pathToFileURL(file).href,
    EVENTS: events.length > 0 ? eventsFile : '',
  });
  return JSON.parse(out) as BundleRun;
}

/** Module init of a bundle in a fresh process: wall and CPU time (all threads), in ms. */
export const initTime = async (file: string) => (await runBundle(file)).init;
