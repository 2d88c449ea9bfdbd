/**
 * The CDK app (cdk.json runs it with tsx): reads and validates the settings, defines the one stack, and runs
 * the cdk-nag AwsSolutions checks on every synth, so a finding that nobody acknowledged stops a deployment.
 *
 *   npx cdk deploy -c siteTitle="My feeds" -c alarmEmail=ops@example.com
 *   npx cdk deploy -c config=prod.json        (a JSON file of settings; context values win over it)
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FeedbucketStack } from './feedbucket-stack.js';
import { readSettingsFile, resolveSettings, SettingsError } from './settings.js';

// NodejsFunction runs the local esbuild through `npx --no-install`; npx would otherwise ask the npm registry
// whether a newer npm exists (a network call in the middle of an offline synth).
process.env.npm_config_update_notifier ??= 'false';

const app = new App();
try {
  const configPath = app.node.tryGetContext('config') as string | undefined;
  const settings = resolveSettings(
    readSettingsFile(configPath),
    app.node.getAllContext(),
    configPath ?? 'feedbucket.config.json',
  );
  new FeedbucketStack(app, settings.stackName, { settings });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (e) {
  if (!(e instanceof SettingsError)) throw e;
  console.error(e.message);
  process.exit(1);
}
