/**
 * Deployment settings: read from one optional JSON file and from CDK context (`-c key=value`, which wins),
 * validated at synth. Every problem is reported at once, each naming the setting, where it came from and what
 * is expected, so an operator can fix a bad deploy command without reading the code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAX_MERGED_TOPICS, MERGED_DEFAULTS } from '../shared/config.js';
import { hubProblem } from '../shared/websub.js';

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const PRICE_CLASSES = ['100', '200', 'All'] as const;
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export interface Settings {
  /** CloudFormation stack name; several stacks (e.g. staging and production) can live in one account. */
  stackName: string;
  siteTitle: string;
  /** Custom domain of the feeds (e.g. feeds.example.com); needs `certificateArn`. */
  domainName?: string;
  /** ACM certificate for `domainName`, in us-east-1 (CloudFront's requirement). */
  certificateArn?: string;
  /** Public base URL the feeds link to; defaults to https://<domainName>, else to the CloudFront domain. */
  publicBaseUrl?: string;
  /** Cache-Control max-age of the feeds, seconds (browsers, readers and CloudFront). */
  feedMaxAge: number;
  feedStaleWhileRevalidate: number;
  feedDefaultLimit: number;
  feedMaxLimit: number;
  /** Merged feeds (one Query per topic a page): the most topics one combines, and its most items a page. */
  feedMaxMergedTopics: number;
  feedMergedMaxLimit: number;
  /** Objects above this size are rejected before they are downloaded. */
  maxObjectBytes: number;
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  logLevel: (typeof LOG_LEVELS)[number];
  /** What `cdk destroy` does to the bucket and the table. */
  removalPolicy: 'retain' | 'destroy';
  /** Table deletion protection (default: on when the removal policy is retain). */
  deletionProtection: boolean;
  /** Where alarms are e-mailed (a confirmation e-mail is sent first); none: alarms only go to the SNS topic. */
  alarmEmail?: string;
  /** CloudFront price class: 100 (North America, Europe), 200 (+ Asia, Middle East, Africa), All. */
  priceClass: (typeof PRICE_CLASSES)[number];
  ingestMemoryMb: number;
  feedsMemoryMb: number;
  /** Most ingest function instances the queue drives at once (SQS event source maximum concurrency). */
  ingestMaxConcurrency: number;
  /** Days an overwritten or deleted article file stays recoverable as a noncurrent version. */
  keepOldVersionsDays: number;
  /** When the bucket is reconciled with the table (an EventBridge schedule expression, UTC). */
  reconcileSchedule: string;
  /** Feeds function instances reserved (and at most running); undefined: none reserved, no bound. */
  feedsReservedConcurrency?: number;
  /** Most read request units a second the table (and, separately, its index) serves; beyond, reads throttle. */
  tableMaxReadRequestUnits: number;
  /** WebSub hubs told of every changed feed and announced in every feed; none by default. */
  websubHubs: string[];
}

/** Defaults. Memory: peak RSS measured 182 MB (ingest) and 119 MB (feeds); 512 MB leaves room and CPU (README, "Sizing"). */
export const DEFAULTS = {
  stackName: 'Feedbucket',
  siteTitle: 'feedbucket',
  feedMaxAge: 300,
  feedStaleWhileRevalidate: 3600,
  feedDefaultLimit: 50,
  feedMaxLimit: 200,
  feedMaxMergedTopics: MERGED_DEFAULTS.maxMergedTopics,
  feedMergedMaxLimit: MERGED_DEFAULTS.mergedMaxLimit,
  maxObjectBytes: 1024 * 1024,
  logRetentionDays: 30,
  logLevel: 'INFO',
  removalPolicy: 'retain',
  priceClass: '100',
  ingestMemoryMb: 512,
  feedsMemoryMb: 512,
  ingestMaxConcurrency: 5,
  keepOldVersionsDays: 30,
  reconcileSchedule: 'rate(1 day)',
  feedsReservedConcurrency: 10,
  tableMaxReadRequestUnits: 1000,
} as const satisfies Partial<Settings>;

export const SETTING_NAMES = [
  'stackName',
  'siteTitle',
  'domainName',
  'certificateArn',
  'publicBaseUrl',
  'feedMaxAge',
  'feedStaleWhileRevalidate',
  'feedDefaultLimit',
  'feedMaxLimit',
  'feedMaxMergedTopics',
  'feedMergedMaxLimit',
  'maxObjectBytes',
  'logRetentionDays',
  'logLevel',
  'removalPolicy',
  'deletionProtection',
  'alarmEmail',
  'priceClass',
  'ingestMemoryMb',
  'feedsMemoryMb',
  'ingestMaxConcurrency',
  'keepOldVersionsDays',
  'reconcileSchedule',
  'feedsReservedConcurrency',
  'tableMaxReadRequestUnits',
  'websubHubs',
] as const satisfies readonly (keyof Settings)[];

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`Invalid feedbucket settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A raw value and where it came from, for error messages. */
interface Raw {
  value: unknown;
  source: string;
}

type Sources = Partial<Record<string, Raw>>;

/** CDK context keys that are not feedbucket settings but may appear (the CLI's and CDK's own, feature flags). */
const isForeignContextKey = (key: string) =>
  /[:/@]/.test(key) || key === 'config' || key === 'acknowledged-issue-numbers';

/**
 * Reads the optional settings file. `path` is explicit (context `config`), else `feedbucket.config.json` in the
 * working directory when it exists.
 */
export function readSettingsFile(path: string | undefined, cwd = process.cwd()): Record<string, unknown> {
  const file = resolve(cwd, path ?? 'feedbucket.config.json');
  if (!existsSync(file)) {
    if (path !== undefined)
      throw new SettingsError([`settings file ${file} does not exist (context "config")`]);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SettingsError([`settings file ${file} is not valid JSON: ${(e as Error).message}`]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SettingsError([`settings file ${file} must hold one JSON object of settings`]);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Validates settings from a file's object and CDK context (context wins). Unknown names are errors, so that a
 * typo (`feedMaxage`) is not silently ignored.
 */
export function resolveSettings(
  file: Record<string, unknown>,
  context: Record<string, unknown>,
  fileLabel = 'feedbucket.config.json',
): Settings {
  const problems: string[] = [];
  const sources: Sources = {};
  for (const [key, value] of Object.entries(file)) {
    if (key.startsWith('$') || key.startsWith('//')) continue; // $schema, comments
    if (!(SETTING_NAMES as readonly string[]).includes(key)) {
      problems.push(`unknown setting "${key}" in ${fileLabel} (known: ${SETTING_NAMES.join(', ')})`);
      continue;
    }
    sources[key] = { value, source: fileLabel };
  }
  for (const [key, value] of Object.entries(context)) {
    if (isForeignContextKey(key) || value === undefined) continue;
    if (!(SETTING_NAMES as readonly string[]).includes(key)) {
      problems.push(`unknown setting "${key}" in CDK context (known: ${SETTING_NAMES.join(', ')})`);
      continue;
    }
    sources[key] = { value, source: `CDK context (-c ${key}=…)` };
  }

  const v = new Validator(sources, problems);
  const removalPolicy = v.oneOf('removalPolicy', ['retain', 'destroy'] as const, DEFAULTS.removalPolicy);
  const feedMaxLimit = v.integer('feedMaxLimit', DEFAULTS.feedMaxLimit, 1, 1000);
  const domainName = v.optionalString('domainName', (s) =>
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(s)
      ? undefined
      : 'must be a DNS name such as feeds.example.com (no scheme, no path)',
  );
  const certificateArn = v.optionalString('certificateArn', (s) =>
    /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(s)
      ? undefined
      : 'must be the ARN of an ACM certificate in us-east-1 (CloudFront only uses certificates from that region)',
  );
  const settings: Settings = {
    stackName: v.string('stackName', DEFAULTS.stackName, (s) =>
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(s)
        ? undefined
        : 'must start with a letter and hold only letters, digits and hyphens (CloudFormation stack names)',
    ),
    siteTitle: v.string('siteTitle', DEFAULTS.siteTitle, (s) =>
      s.length <= 200 ? undefined : 'is over 200 characters',
    ),
    domainName,
    certificateArn,
    publicBaseUrl: v
      .optionalString('publicBaseUrl', (s) => {
        try {
          const url = new URL(s);
          if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
          if (url.search || url.hash) return 'must not carry a query or a fragment';
          return undefined;
        } catch {
          return 'must be an absolute URL such as https://feeds.example.com';
        }
      })
      ?.replace(/\/+$/, ''),
    feedMaxAge: v.integer('feedMaxAge', DEFAULTS.feedMaxAge, 0, 86_400),
    feedStaleWhileRevalidate: v.integer(
      'feedStaleWhileRevalidate',
      DEFAULTS.feedStaleWhileRevalidate,
      0,
      604_800,
    ),
    feedDefaultLimit: v.integer('feedDefaultLimit', DEFAULTS.feedDefaultLimit, 1, Math.max(1, feedMaxLimit)),
    feedMaxLimit,
    feedMaxMergedTopics: v.integer('feedMaxMergedTopics', DEFAULTS.feedMaxMergedTopics, 1, MAX_MERGED_TOPICS),
    feedMergedMaxLimit: v.integer(
      'feedMergedMaxLimit',
      Math.min(DEFAULTS.feedMergedMaxLimit, Math.max(1, feedMaxLimit)),
      1,
      Math.max(1, feedMaxLimit),
    ),
    maxObjectBytes: v.integer('maxObjectBytes', DEFAULTS.maxObjectBytes, 1, 64 * 1024 * 1024),
    logRetentionDays: v.oneOf('logRetentionDays', LOG_RETENTION_DAYS, DEFAULTS.logRetentionDays),
    logLevel: v.oneOf('logLevel', LOG_LEVELS, DEFAULTS.logLevel),
    removalPolicy,
    deletionProtection: v.boolean('deletionProtection', removalPolicy === 'retain'),
    alarmEmail: v.optionalString('alarmEmail', (s) =>
      /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? undefined : 'must be an e-mail address',
    ),
    priceClass: v.oneOf('priceClass', PRICE_CLASSES, DEFAULTS.priceClass),
    ingestMemoryMb: v.integer('ingestMemoryMb', DEFAULTS.ingestMemoryMb, 128, 10_240),
    feedsMemoryMb: v.integer('feedsMemoryMb', DEFAULTS.feedsMemoryMb, 128, 10_240),
    ingestMaxConcurrency: v.integer('ingestMaxConcurrency', DEFAULTS.ingestMaxConcurrency, 2, 1000),
    keepOldVersionsDays: v.integer('keepOldVersionsDays', DEFAULTS.keepOldVersionsDays, 1, 3650),
    reconcileSchedule: v.string('reconcileSchedule', DEFAULTS.reconcileSchedule, scheduleProblem),
    feedsReservedConcurrency: v.integerOrNone(
      'feedsReservedConcurrency',
      DEFAULTS.feedsReservedConcurrency,
      1,
      1000,
    ),
    tableMaxReadRequestUnits: v.integer(
      'tableMaxReadRequestUnits',
      DEFAULTS.tableMaxReadRequestUnits,
      10,
      40_000,
    ),
    websubHubs: v.hubs('websubHubs'),
  };

  if (domainName && !certificateArn) {
    problems.push(
      'domainName is set but certificateArn is not: CloudFront needs an ACM certificate (us-east-1)',
    );
  }
  if (certificateArn && !domainName) {
    problems.push('certificateArn is set but domainName is not: say which domain the certificate is for');
  }
  if (removalPolicy === 'destroy' && settings.deletionProtection) {
    problems.push(
      'removalPolicy is "destroy" but deletionProtection is true: the table could not be deleted; set deletionProtection to false',
    );
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

const RATE_UNIT_MINUTES = { minute: 1, hour: 60, day: 1440 } as const;

/**
 * Why an EventBridge schedule expression is refused, if it is. Each run lists the bucket and scans the table,
 * so at most one an hour: `rate(N unit)` (unit singular for 1, plural otherwise, as EventBridge demands) of an
 * hour or more, or `cron(…)` with its six fields and one fixed minute.
 */
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n === 0 || (n === 1) !== (rate[3] === '')) {
      return 'must be rate(1 day), rate(2 days), …: a positive number, the unit singular only for 1';
    }
    if (n * RATE_UNIT_MINUTES[rate[2] as keyof typeof RATE_UNIT_MINUTES] < 60) {
      return 'must run at most once an hour (each run lists the bucket and scans the table)';
    }
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] as string).trim().split(/\s+/);
    if (fields.length !== 6)
      return 'must be cron(minutes hours day-of-month month day-of-week year): six fields';
    if (!/^\d{1,2}$/.test(fields[0] as string)) {
      return 'must fix the minute (cron(0 3 * * ? *)): at most one run an hour';
    }
    return undefined;
  }
  return 'must be an EventBridge schedule expression such as rate(1 day) or cron(0 3 * * ? *)';
}

/** The public base URL the feeds link to, when it is known at synth (a custom domain or an explicit URL). */
export const configuredBaseUrl = (s: Settings): string | undefined =>
  s.publicBaseUrl ?? (s.domainName ? `https://${s.domainName}` : undefined);

class Validator {
  constructor(
    private readonly sources: Sources,
    private readonly problems: string[],
  ) {}

  private raw(name: string): Raw | undefined {
    const raw = this.sources[name];
    if (raw === undefined || raw.value === null || raw.value === '') return undefined;
    return raw;
  }

  private fail(name: string, raw: Raw, expectation: string): void {
    this.problems.push(`${name} ${expectation}, got ${JSON.stringify(raw.value)} (from ${raw.source})`);
  }

  optionalString(name: string, check: (s: string) => string | undefined): string | undefined {
    const raw = this.raw(name);
    if (!raw) return undefined;
    if (typeof raw.value !== 'string') {
      this.fail(name, raw, 'must be a string');
      return undefined;
    }
    const s = raw.value.trim();
    const problem = check(s);
    if (problem) {
      this.fail(name, raw, problem);
      return undefined;
    }
    return s;
  }

  string(name: string, fallback: string, check: (s: string) => string | undefined): string {
    return this.optionalString(name, check) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (!raw) return fallback;
    const text =
      typeof raw.value === 'number'
        ? String(raw.value)
        : typeof raw.value === 'string'
          ? raw.value.trim()
          : '';
    if (!/^\d+$/.test(text)) {
      this.fail(name, raw, `must be a whole number between ${min} and ${max}`);
      return fallback;
    }
    const n = Number(text);
    if (n < min || n > max) {
      this.fail(name, raw, `must be between ${min} and ${max}`);
      return fallback;
    }
    return n;
  }

  /** A whole number, or "none" (undefined: the bound is off). */
  integerOrNone(name: string, fallback: number, min: number, max: number): number | undefined {
    const raw = this.raw(name);
    if (raw && String(raw.value).trim() === 'none') return undefined;
    const problems = this.problems.length;
    const n = this.integer(name, fallback, min, max);
    if (this.problems.length > problems) {
      this.problems[this.problems.length - 1] = (this.problems.at(-1) as string).replace(
        ' must be ',
        ' must be "none" or ',
      );
    }
    return n;
  }

  /** A list of WebSub hub URLs: a JSON array of strings, or one comma-separated string (`-c websubHubs=a,b`). */
  hubs(name: string): string[] {
    const raw = this.raw(name);
    if (!raw) return [];
    const items =
      typeof raw.value === 'string'
        ? raw.value.split(',')
        : Array.isArray(raw.value) && raw.value.every((h) => typeof h === 'string')
          ? (raw.value as string[])
          : undefined;
    if (!items) {
      this.fail(
        name,
        raw,
        'must be a list of hub URLs (a JSON array of strings, or one comma-separated string)',
      );
      return [];
    }
    const hubs = items.map((h) => h.trim()).filter((h) => h !== '');
    const problems = hubs.map(hubProblem).filter((p) => p !== undefined);
    if (problems.length > 0) {
      this.fail(name, raw, `must hold absolute http(s) URLs of WebSub hubs (${problems.join('; ')})`);
      return [];
    }
    return [...new Set(hubs.map((h) => new URL(h).href))];
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (!raw) return fallback;
    if (raw.value === true || raw.value === 'true') return true;
    if (raw.value === false || raw.value === 'false') return false;
    this.fail(name, raw, 'must be true or false');
    return fallback;
  }

  oneOf<T extends string | number>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (!raw) return fallback;
    const found = allowed.find((a) => String(a) === String(raw.value).trim());
    if (found === undefined) {
      this.fail(name, raw, `must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return found;
  }
}
