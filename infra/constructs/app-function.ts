/**
 * One Lambda function of feedbucket with the shared defaults: a NodejsFunction bundled by the local esbuild
 * (no Docker), Node.js 24 on arm64, JSON logs in its own log group with a retention, and a role that may write
 * to that log group only (no AWS managed policy).
 */

import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { DEFAULTS, type LogLevel } from '../settings-defaults.js';

/** The handler modules of this repository, each exporting `handler`. */
export const HANDLER_ENTRIES = {
  ingest: fileURLToPath(new URL('../../functions/ingest/handler.ts', import.meta.url)),
  feeds: fileURLToPath(new URL('../../functions/feeds/handler.ts', import.meta.url)),
  reconcile: fileURLToPath(new URL('../../functions/reconcile/handler.ts', import.meta.url)),
  publish: fileURLToPath(new URL('../../functions/publish/handler.ts', import.meta.url)),
} as const;

/** Memory of a function unless said otherwise: the memory settings' default. */
const DEFAULT_MEMORY = Size.mebibytes(DEFAULTS.ingestMemoryMb);

/** How every function of feedbucket logs; the constructs that define a function take these. */
export interface AppFunctionOptions {
  /**
   * The level of the function's own JSON logs (LOG_LEVEL).
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * How long the function's log group keeps its events.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the function's log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export interface AppFunctionProps extends AppFunctionOptions {
  /** The handler module (TypeScript), exporting `handler`. */
  readonly entry: string;
  /** The function's description (also the role's, with what the role may do). */
  readonly description: string;
  /** Its name in logs and metrics (Powertools service name; metrics go to the `feedbucket` namespace). */
  readonly service: string;
  /**
   * The function's memory; its CPU share grows with it.
   *
   * @default Size.mebibytes(512)
   */
  readonly memorySize?: Size;
  /**
   * The most one invocation may run, 1 second to 15 minutes.
   *
   * @default Duration.seconds(3) (Lambda's default)
   */
  readonly timeout?: Duration;
  /**
   * Environment variables of the function, besides the ones every function gets (LOG_LEVEL, Powertools').
   *
   * @default - only the variables every function gets
   */
  readonly environment?: { readonly [name: string]: string };
  /**
   * Instances reserved for the function, and the most it runs at once.
   *
   * @default - none reserved: the account's unreserved pool, no bound of its own
   */
  readonly reservedConcurrency?: number;
}

/** The runtime both functions use; the esbuild target follows it. */
export const RUNTIME = Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

/** The module the bundles take for xml-js: its writer alone (see the file). */
const XML_JS_WRITER = fileURLToPath(new URL('./xml-js-writer.mjs', import.meta.url));

/**
 * How the functions are bundled, in esbuild's own terms (bench rows 6 and 9 build the very same bundles): ESM,
 * the AWS SDK inside, whitespace and syntax minified but every name kept, so that a stack trace in the logs
 * names the functions it went through. No source maps: Node's --enable-source-maps parses a bundle's map when
 * it loads, measured at 37 ms (feeds) and 47 ms (ingest) more module init CPU on Node.js 24, while keeping the
 * names costs nothing measurable next to full minification. CommonJS dependencies that call require() for Node
 * built-ins get a require from the banner. xml-js is only its writer (about 4 ms less of the feeds function's
 * cold start).
 */
export const BUNDLE = {
  format: 'esm',
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  alias: { 'xml-js': XML_JS_WRITER },
} as const;

/** BUNDLE as esbuild options, targeting node20 so that the bundle runs on this machine (bench rows 6 and 9). */
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
    const timeout = props.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
      throw new Error(`${this.node.path}: timeout must be between 1 and 900 seconds`);
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
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
      memorySize: (props.memorySize ?? DEFAULT_MEMORY).toMebibytes(),
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        LOG_LEVEL: props.logLevel ?? DEFAULTS.logLevel,
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: 'feedbucket',
        ...props.environment,
      },
      bundling: {
        // The SDK is bundled (not the runtime's copy): its version is the one tested here, and a tree-shaken
        // bundle loads faster than the runtime's unbundled SDK (docs/PERFORMANCE.md, "Sizing").
        bundleAwsSDK: true,
        externalModules: [],
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        mainFields: [...BUNDLE.mainFields],
        banner: BUNDLE.banner,
        esbuildArgs: {
          '--minify-whitespace': BUNDLE.minifyWhitespace,
          '--minify-syntax': BUNDLE.minifySyntax,
          ...Object.fromEntries(
            Object.entries(BUNDLE.alias).map(([name, path]) => [`--alias:${name}`, path]),
          ),
        },
      },
    });
  }
}
