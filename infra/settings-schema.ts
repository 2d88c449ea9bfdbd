/**
 * One zod schema a setting. Each takes the value as a settings file (JSON) or the CDK CLI (`-c name=value`,
 * always a string) gives it, and its messages say what is expected in words that complete "<setting> …"
 * (settings.ts adds the value and where it came from). An absent setting takes its default.
 */
import { z } from 'zod';
import { MAX_MERGED_TOPICS } from '../shared/config.js';
import { parseHubs } from '../shared/websub.js';
import {
  DEFAULTS,
  LOG_LEVELS,
  LOG_RETENTION_DAYS,
  PRICE_CLASSES,
  type Settings,
} from './settings-defaults.js';

/** A string, trimmed. */
const text = () => z.string({ error: 'must be a string' }).trim();

/**
 * A whole number within bounds, from a JSON number or a string of digits (as the CLI passes it). `prefix`
 * names an alternative the setting also takes ('"none" or ').
 */
function wholeNumber(min: number, max: number, prefix = '') {
  const whole = `must be ${prefix}a whole number between ${min} and ${max}`;
  const range = `must be ${prefix}between ${min} and ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: whole })
      .int({ error: whole })
      .nonnegative({ error: whole })
      .min(min, { error: range })
      .max(max, { error: range }),
  );
}

/** One of a few values, given as themselves or as their text (`-c logRetentionDays=14`). */
function oneOf<T extends string | number>(allowed: readonly T[]) {
  const names = allowed.map(String) as [string, ...string[]];
  return z
    .preprocess((v) => String(v).trim(), z.enum(names, { error: `must be one of ${allowed.join(', ')}` }))
    .transform((s) => allowed.find((a) => String(a) === s) as T);
}

/** true or false, as JSON booleans or as the CLI's text. */
const yesNo = () =>
  z
    .preprocess(
      (v) => (typeof v === 'boolean' ? String(v) : v),
      z.enum(['true', 'false'], { error: 'must be true or false' }),
    )
    .transform((s) => s === 'true');

/** A check written as a function returning what is wrong (or nothing), as a zod refinement. */
const problemOf =
  (check: (s: string) => string | undefined) =>
  (s: string, ctx: z.RefinementCtx): void => {
    const problem = check(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: s });
  };

function baseUrlProblem(s: string): string | undefined {
  if (!URL.canParse(s)) return 'must be an absolute URL such as https://feeds.example.com';
  const url = new URL(s);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.search || url.hash) return 'must not carry a query or a fragment';
  return undefined;
}

const RATE_UNIT_MINUTES = { minute: 1, hour: 60, day: 1440 } as const;

/**
 * Why an EventBridge schedule expression is refused, if it is. Each run lists the bucket and scans the table,
 * so at most one an hour: `rate(N unit)` (unit singular for 1, plural otherwise, as EventBridge demands) of an
 * hour or more, or `cron(…)` with its six fields and one fixed minute. Hand-written: zod knows no EventBridge.
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

const HUB_LIST = 'must be a list of hub URLs (a JSON array of strings, or one comma-separated string)';

/** WebSub hubs: a JSON array of strings, or one comma-separated string (`-c websubHubs=a,b`). */
const hubs = () =>
  z
    .preprocess(
      (v) => (typeof v === 'string' ? v.split(',') : v),
      z.array(z.string({ error: HUB_LIST }), { error: HUB_LIST }),
    )
    .transform((items, ctx) => {
      try {
        return parseHubs(items);
      } catch (e) {
        ctx.addIssue({
          code: 'custom',
          message: `must hold absolute http(s) URLs of WebSub hubs (${(e as Error).message})`,
          input: items,
        });
        return z.NEVER;
      }
    });

/**
 * The schema of every setting, in the order they are checked (and their problems listed). `maxLimit` is the
 * feedMaxLimit in force: the other page sizes may not exceed it.
 */
export function settingsShape(maxLimit: number) {
  const pageMax = Math.max(1, maxLimit);
  return {
    removalPolicy: oneOf(['retain', 'destroy'] as const).default(DEFAULTS.removalPolicy),
    feedMaxLimit: wholeNumber(1, 1000).default(DEFAULTS.feedMaxLimit),
    domainName: text()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, {
        error: 'must be a DNS name such as feeds.example.com (no scheme, no path)',
      })
      .optional(),
    certificateArn: text()
      .regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/, {
        error:
          'must be the ARN of an ACM certificate in us-east-1 (CloudFront only uses certificates from that region)',
      })
      .optional(),
    stackName: text()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, {
        error:
          'must start with a letter and hold only letters, digits and hyphens (CloudFormation stack names)',
      })
      .default(DEFAULTS.stackName),
    siteTitle: text().max(200, { error: 'is over 200 characters' }).default(DEFAULTS.siteTitle),
    publicBaseUrl: text()
      .superRefine(problemOf(baseUrlProblem))
      .transform((s) => s.replace(/\/+$/, ''))
      .optional(),
    feedMaxAge: wholeNumber(0, 86_400).default(DEFAULTS.feedMaxAge),
    feedStaleWhileRevalidate: wholeNumber(0, 604_800).default(DEFAULTS.feedStaleWhileRevalidate),
    feedDefaultLimit: wholeNumber(1, pageMax).default(DEFAULTS.feedDefaultLimit),
    feedMaxMergedTopics: wholeNumber(1, MAX_MERGED_TOPICS).default(DEFAULTS.feedMaxMergedTopics),
    feedMergedMaxLimit: wholeNumber(1, pageMax).default(Math.min(DEFAULTS.feedMergedMaxLimit, pageMax)),
    feedTopWindowDays: wholeNumber(1, 365).default(DEFAULTS.feedTopWindowDays),
    maxObjectBytes: wholeNumber(1, 64 * 1024 * 1024).default(DEFAULTS.maxObjectBytes),
    logRetentionDays: oneOf(LOG_RETENTION_DAYS).default(DEFAULTS.logRetentionDays),
    logLevel: oneOf(LOG_LEVELS).default(DEFAULTS.logLevel),
    /** Absent: on with the retain removal policy (settings.ts decides). */
    deletionProtection: yesNo().optional(),
    alarmEmail: text()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: 'must be an e-mail address' })
      .optional(),
    priceClass: oneOf(PRICE_CLASSES).default(DEFAULTS.priceClass),
    ingestMemoryMb: wholeNumber(128, 10_240).default(DEFAULTS.ingestMemoryMb),
    feedsMemoryMb: wholeNumber(128, 10_240).default(DEFAULTS.feedsMemoryMb),
    ingestMaxConcurrency: wholeNumber(2, 1000).default(DEFAULTS.ingestMaxConcurrency),
    keepOldVersionsDays: wholeNumber(1, 3650).default(DEFAULTS.keepOldVersionsDays),
    reconcileSchedule: text().superRefine(problemOf(scheduleProblem)).default(DEFAULTS.reconcileSchedule),
    // "none" turns the reservation off (undefined), so the default is put in first: .default() would also
    // replace that undefined.
    feedsReservedConcurrency: z.preprocess(
      (v) => v ?? DEFAULTS.feedsReservedConcurrency,
      z.union([
        text()
          .pipe(z.literal('none'))
          .transform(() => undefined),
        wholeNumber(1, 1000, '"none" or '),
      ]),
    ),
    tableMaxReadRequestUnits: wholeNumber(10, 40_000).default(DEFAULTS.tableMaxReadRequestUnits),
    websubHubs: hubs().default([]),
  } satisfies { [K in keyof Settings]-?: z.ZodType<Settings[K] | undefined> };
}

/** Every setting's name. */
export const SETTING_NAMES = Object.keys(settingsShape(DEFAULTS.feedMaxLimit)) as (keyof Settings)[];

/** The message of an issue; of a union's (a value of neither form), the last form's. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const last = issue.errors.at(-1)?.[0];
    if (last) return issueMessage(last);
  }
  return issue.message;
}
