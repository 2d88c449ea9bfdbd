/**
 * `cdk synth` as CI and operators run it, with no AWS credentials and no network: the CLI runs the app
 * (cdk.json), bundles every function with the local esbuild and runs cdk-nag. Any connection attempt is caught
 * by pointing the proxy variables at a local listener that counts connections.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runProcess } from '../../support/infra.js';

const ROOT = join(import.meta.dirname, '../../..');

interface LambdaProperties {
  Runtime?: string;
  Code: { S3Key: string };
  Environment: { Variables: Record<string, unknown> };
}

let dir: string;
let proxy: Server;
let connections = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedbucket-synth-'));
  proxy = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function synth(outdir: string) {
  const { port } = proxy.address() as { port: number };
  const proxyUrl = `http://127.0.0.1:${port}`;
  return runProcess(join(ROOT, 'node_modules/.bin/cdk'), ['synth', '--no-notices', '--quiet', '-o', outdir], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      https_proxy: proxyUrl,
      NO_PROXY: '',
    },
  });
}

it('cdk synth works offline without credentials: template, every bundle, cdk-nag clean', {
  timeout: 180_000,
}, async () => {
  const outdir = join(dir, 'cdk.out');
  const run = await synth(outdir);
  expect(run.stderr).not.toMatch(/AwsSolutions-|Error/);
  expect(run.status).toBe(0);
  expect(connections).toBe(0);

  const template = JSON.parse(readFileSync(join(outdir, 'Feedbucket.template.json'), 'utf8'));
  const functions = Object.values(
    template.Resources as Record<string, { Type: string; Properties: LambdaProperties }>,
  ).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime?.startsWith('nodejs24'));
  expect(functions).toHaveLength(3); // ingest, feeds, reconcile
  for (const fn of functions) {
    const asset = join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    // No source map, and no NODE_OPTIONS: bench rows 6 and 9 load the bundles as Lambda will.
    expect(readdirSync(asset).sort()).toEqual(['index.mjs']);
    expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    const bundle = readFileSync(join(asset, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\s*\}/);
    expect(bundle).not.toContain('sourceMappingURL');
    // Names kept: a stack trace in the logs names our functions (every function makes its DynamoDB client).
    expect(bundle).toMatch(/\bfunction dynamoClient\(/);
    expect(statSync(join(asset, 'index.mjs')).size).toBeLessThan(3 * 1024 * 1024);
  }
});
