/** Builds the stack for assertions: no bundling, no built-in template validation (fast), output in a temp dir. */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FeedbucketStack } from '../../infra/feedbucket-stack.js';
import { resolveSettings, type Settings } from '../../infra/settings.js';
import { runViewerRequest, type ViewerRequest } from './viewer-request.js';

const outdirs: string[] = [];
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8'))
  .context as Record<string, unknown>;

export interface Built {
  app: App;
  stack: FeedbucketStack;
  template: Template;
  settings: Settings;
}

/** An app as the CLI makes one (the feature flags of cdk.json), without bundling, writing to a temp dir. */
export function testApp(): App {
  const outdir = mkdtempSync(join(tmpdir(), 'feedbucket-cdk-'));
  outdirs.push(outdir);
  return new App({
    outdir,
    analyticsReporting: false,
    builtinCloudFormationValidation: false,
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
}

/** The stack for these settings (given as CDK context would give them), optionally in one account and region. */
export function buildStack(
  context: Record<string, unknown> = {},
  env?: { account: string; region: string },
): Built {
  const app = testApp();
  const settings = resolveSettings({}, context);
  const stack = new FeedbucketStack(app, settings.stackName, { settings, env });
  return { app, stack, template: Template.fromStack(stack), settings };
}

/** Removes the temp output of every stack built so far (call from afterAll). */
export function cleanOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

type Json = Record<string, unknown>;

/** The template's resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Json> {
  return template.findResources(type) as Record<string, Json>;
}

/** The only resource of a type (fails if there is not exactly one). */
export function onlyResource(template: Template, type: string): [string, Json] {
  const entries = Object.entries(resourcesOf(template, type));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return entries[0] as [string, Json];
}

export const props = (resource: Json): Json => (resource.Properties ?? {}) as Json;

/** Every statement of every IAM policy attached to a function's role. */
export function roleStatements(built: Built, fn: IFunction): Json[] {
  const roleId = built.stack.getLogicalId(fn.role?.node.defaultChild as CfnElement);
  const out: Json[] = [];
  for (const policy of Object.values(resourcesOf(built.template, 'AWS::IAM::Policy'))) {
    const roles = (props(policy).Roles ?? []) as Json[];
    if (!roles.some((r) => r.Ref === roleId)) continue;
    out.push(...((props(policy).PolicyDocument as Json).Statement as Json[]));
  }
  return out;
}

/** Runs a command asynchronously (servers of the calling test may live in this process) and collects its output. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The stack's one CloudFront Function, as code to run on an event (it is plain JavaScript, no Node.js API). */
export function viewerRequestOf(template: Template): (event: { request: ViewerRequest }) => ViewerRequest {
  const [, fn] = onlyResource(template, 'AWS::CloudFront::Function');
  return runViewerRequest(props(fn).FunctionCode as string);
}
