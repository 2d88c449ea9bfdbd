/**
 * One Lambda function of feedbucket with the shared defaults: a NodejsFunction bundled by the local esbuild
 * (no Docker), Node.js 24 on arm64, JSON logs in its own log group with a retention, and a role that may write
 * to that log group only (no AWS managed policy).
 */

import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

export interface AppFunctionProps {
  /** The handler module (TypeScript), exporting `handler`. */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  /** Its name in logs and metrics (Powertools service name; metrics go to the `feedbucket` namespace). */
  service: string;
  /** The level of its own JSON logs (LOG_LEVEL). */
  logLevel: string;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  logRemovalPolicy: RemovalPolicy;
  /** Instances reserved for the function, and the most it runs at once; default none (the account's pool). */
  reservedConcurrency?: number;
}

/** The runtime both functions use; the esbuild target follows it. */
export const RUNTIME = Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

/**
 * How the functions are bundled, in esbuild's own terms (tools/sizing.ts builds the very same bundles): ESM,
 * minified, with source maps, the AWS SDK inside. CommonJS dependencies that call require() for Node built-ins
 * get a require from the banner.
 */
export const BUNDLE = {
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} as const;

/** BUNDLE as esbuild options, targeting node20 so that the bundle runs on this machine (bench, sizing). */
export const LOCAL_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  ...BUNDLE,
  mainFields: [...BUNDLE.mainFields],
  banner: { js: BUNDLE.banner },
  logLevel: 'silent',
} satisfies BuildOptions;

export class AppFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    if (props.timeout.toSeconds() < 1 || props.timeout.toSeconds() > 900) {
      throw new Error(`${this.node.path}: timeout must be between 1 and 900 seconds`);
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (writes its own log group; other grants are added by its construct)`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LOG_LEVEL: props.logLevel,
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: 'feedbucket',
        ...props.environment,
      },
      bundling: {
        // The SDK is bundled (not the runtime's copy): its version is the one tested here, and a minified,
        // tree-shaken bundle loads faster than the runtime's unbundled SDK (README, "Bundles").
        bundleAwsSDK: true,
        externalModules: [],
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Some CommonJS dependencies call require() for Node built-ins; ESM output needs a require to give them.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
  }
}
