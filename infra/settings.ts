/**
 * Deployment settings: read from one optional JSON file and from CDK context (`-c key=value`, which wins),
 * validated at synth with one zod schema a setting (settings-schema.ts). Every problem is reported at once,
 * each naming the setting, where it came from and what is expected, so an operator can fix a bad deploy
 * command without reading the code.
 */
import { DEFAULTS, type Settings } from './settings-defaults.js';
import { SettingsError } from './settings-file.js';
import { issueMessage, SETTING_NAMES, settingsShape } from './settings-schema.js';

export {
  DEFAULTS,
  LOG_LEVELS,
  LOG_RETENTION_DAYS,
  type LogLevel,
  PRICE_CLASSES,
  type Settings,
} from './settings-defaults.js';
export { readSettingsFile, SettingsError } from './settings-file.js';
export { SETTING_NAMES, scheduleProblem } from './settings-schema.js';

/** A raw value and where it came from, for error messages. */
interface Raw {
  value: unknown;
  source: string;
}

/** CDK context keys that are not feedbucket settings but may appear (the CLI's and CDK's own, feature flags). */
const isForeignContextKey = (key: string) =>
  /[:/@]/.test(key) || key === 'config' || key === 'acknowledged-issue-numbers';

const isSettingName = (key: string): key is keyof Settings => (SETTING_NAMES as string[]).includes(key);

/**
 * Gathers the raw values by name, the context's over the file's; null and "" count as not given. Unknown
 * names are problems, so that a typo (`feedMaxage`) is not silently ignored. Hand-written rather than a
 * strict zod object: the message names the source of the unknown key, and context carries foreign keys.
 */
function gather(
  file: Record<string, unknown>,
  context: Record<string, unknown>,
  fileLabel: string,
  problems: string[],
): Partial<Record<keyof Settings, Raw>> {
  const sources: Partial<Record<keyof Settings, Raw>> = {};
  const take = (key: string, value: unknown, where: string, source: string) => {
    if (!isSettingName(key)) {
      problems.push(`unknown setting "${key}" in ${where} (known: ${SETTING_NAMES.join(', ')})`);
    } else if (value !== null && value !== '') {
      sources[key] = { value, source };
    } else {
      delete sources[key];
    }
  };
  for (const [key, value] of Object.entries(file)) {
    if (key.startsWith('$') || key.startsWith('//')) continue; // $schema, comments
    take(key, value, fileLabel, fileLabel);
  }
  for (const [key, value] of Object.entries(context)) {
    if (isForeignContextKey(key) || value === undefined) continue;
    take(key, value, 'CDK context', `CDK context (-c ${key}=…)`);
  }
  return sources;
}

/** Rules between settings, checked once each setting is valid on its own (or has fallen back to its default). */
function contradictions(s: Settings): string[] {
  const problems: string[] = [];
  if (s.domainName && !s.certificateArn) {
    problems.push(
      'domainName is set but certificateArn is not: CloudFront needs an ACM certificate (us-east-1)',
    );
  }
  if (s.certificateArn && !s.domainName) {
    problems.push('certificateArn is set but domainName is not: say which domain the certificate is for');
  }
  if (s.removalPolicy === 'destroy' && s.deletionProtection) {
    problems.push(
      'removalPolicy is "destroy" but deletionProtection is true: the table could not be deleted; set deletionProtection to false',
    );
  }
  return problems;
}

/** Validates settings from a file's object and CDK context (context wins). Throws SettingsError with every problem. */
export function resolveSettings(
  file: Record<string, unknown>,
  context: Record<string, unknown>,
  fileLabel = 'feedbucket.config.json',
): Settings {
  const problems: string[] = [];
  const sources = gather(file, context, fileLabel, problems);
  const maxLimit = settingsShape(DEFAULTS.feedMaxLimit).feedMaxLimit.safeParse(sources.feedMaxLimit?.value);
  const shape = settingsShape(maxLimit.data ?? DEFAULTS.feedMaxLimit);
  const resolved: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const raw = sources[name];
    const result = shape[name].safeParse(raw?.value);
    if (result.success) {
      resolved[name] = result.data;
      continue;
    }
    const issue = result.error.issues[0];
    const why = issue ? issueMessage(issue) : 'is invalid';
    problems.push(`${name} ${why}, got ${JSON.stringify(raw?.value)} (from ${raw?.source})`);
    resolved[name] = shape[name].parse(undefined);
  }
  const settings = resolved as unknown as Settings;
  settings.deletionProtection ??= settings.removalPolicy === 'retain';
  problems.push(...contradictions(settings));
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** The public base URL the feeds link to, when it is known at synth (a custom domain or an explicit URL). */
export const configuredBaseUrl = (s: Settings): string | undefined =>
  s.publicBaseUrl ?? (s.domainName ? `https://${s.domainName}` : undefined);
