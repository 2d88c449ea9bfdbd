/**
 * Row 6: each function's bundle and its module init, beside a bundle of only the SDK clients it needs and one
 * with the SDK left external (the method: docs/PERFORMANCE.md, "How each row is measured").
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type Bundle, bundle, initTime, runBundle } from '../../lib/bundles.js';
import { REPO_ROOT } from '../../lib/procs.js';
import { mapLimit, median, repeat } from '../../lib/stats.js';
import { type BenchContext, compare, type Figure, measure, type RowResult } from '../lib/report.js';

const SDK_ONLY = {
  ingest: {
    label: 'S3 + DynamoDB clients only',
    contents: `import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
const s3 = new S3Client({});
const dynamo = new DynamoDBClient({});
export const handler = async () => [s3, dynamo, marshall, unmarshall];`,
  },
  feeds: {
    label: 'DynamoDB client only',
    contents: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
const dynamo = new DynamoDBClient({});
export const handler = async () => [dynamo, marshall, unmarshall];`,
  },
};

/** "zod 120 KB, markdown-it 98 KB, …": the packages that the function adds beyond the SDK-only bundle. */
function beyondSdk(ours: Bundle, base: Bundle): string {
  const inBase = new Set(base.byPackage.map(([name]) => name));
  const added = ours.byPackage.filter(([name]) => !inBase.has(name)).slice(0, 5);
  return added.map(([name, bytes]) => `${name} ${kb(bytes)}`).join(', ');
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

const INIT_TARGET = { on: 'ratio', op: '<=', limit: 1.3 } as const;

type Runs = { cpu: number[]; wall: number[] };

export async function bundlesRow(ctx: BenchContext): Promise<RowResult> {
  const figures: Figure[] = [];
  const data: Record<string, unknown> = {};
  // The external SDK resolves from the repository's node_modules, linked beside the bundles.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(ctx.tmp, 'node_modules'));
  for (const [i, name] of (['ingest', 'feeds'] as const).entries()) {
    const sdk = SDK_ONLY[name];
    const entry = { entry: `functions/${name}/handler.ts` };
    const ours = await bundle(entry, join(ctx.tmp, `${name}.mjs`));
    const base = await bundle({ contents: sdk.contents }, join(ctx.tmp, `${name}-sdk-only.mjs`));
    const external = await bundle(entry, join(ctx.tmp, `${name}-sdk-external.mjs`), {
      external: ['@aws-sdk/*'],
    });
    // The first read of a file is slower; each bundle gets one unmeasured load.
    const node = (await mapLimit([ours, base, external], 1, (b) => runBundle(b.file)))[0]?.node;
    const runs = await repeat(Math.max(ctx.runs, 11), () =>
      mapLimit([base, ours, external], 1, (b) => initTime(b.file)),
    );
    const [baseRuns, oursRuns, externalRuns] = [0, 1, 2].map((k) => ({
      cpu: runs.map((r) => r[k]?.cpu as number),
      wall: runs.map((r) => r[k]?.wall as number),
    })) as [Runs, Runs, Runs];
    ctx.progress(`row 6: ${name} bundled and loaded ${runs.length} times`);
    const [size, init] = [`6${'ac'[i]}`, `6${'bd'[i]}`];
    figures.push(
      compare(
        size,
        `${name}: bundle size (names kept, SDK bundled)`,
        measure(name, 'bytes', [ours.bytes]),
        measure(sdk.label, 'bytes', [base.bytes]),
        undefined,
        `gzip ${kb(ours.gzip)} vs ${kb(base.gzip)}; largest additions: ${beyondSdk(ours, base)}; SDK external: ${kb(external.bytes)}, gzip ${kb(external.gzip)}`,
      ),
      {
        ...compare(
          init,
          `${name}: module init (import of the bundle), CPU time`,
          measure(name, 'ms', oursRuns.cpu),
          measure(sdk.label, 'ms', baseRuns.cpu),
          INIT_TARGET,
          `Node ${node}; wall clock ${median(oursRuns.wall).toFixed(0)} ms vs ${median(baseRuns.wall).toFixed(0)} ms, SDK external ${median(externalRuns.wall).toFixed(0)} ms`,
        ),
        also: [
          {
            ...measure('SDK external', 'ms', externalRuns.cpu),
            ratio: median(oursRuns.cpu) / median(externalRuns.cpu),
          },
        ],
      },
    );
    data[name] = {
      node,
      bytes: ours.bytes,
      gzip: ours.gzip,
      sdkOnlyBytes: base.bytes,
      sdkOnlyGzip: base.gzip,
      byPackage: Object.fromEntries(ours.byPackage.slice(0, 15)),
      initWallMs: oursRuns.wall,
      sdkOnlyInitWallMs: baseRuns.wall,
      sdkExternal: { bytes: external.bytes, gzip: external.gzip, initWallMs: externalRuns.wall },
    };
  }
  return { figures, data };
}
