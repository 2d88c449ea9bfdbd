/**
 * The deployment settings: what each one means (the Settings type) and its default. The README's settings
 * table documents the same names; the constructs take their own defaults from here too.
 */
import { DEFAULT_TOP_WINDOW_DAYS, MERGED_DEFAULTS } from '../shared/config.js';
import { FUNCTION_MEMORY_MB } from '../shared/limits.js';

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const PRICE_CLASSES = ['100', '200', 'All'] as const;
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** The level of the functions' own JSON logs (LOG_LEVEL). */
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /** Cache-Control stale-while-revalidate of the feeds, seconds. */
  feedStaleWhileRevalidate: number;
  feedDefaultLimit: number;
  feedMaxLimit: number;
  /** Merged feeds (one Query per topic a page): the most topics one combines, and its most items a page. */
  feedMaxMergedTopics: number;
  feedMergedMaxLimit: number;
  /** Top stories rank the articles of this many days up to a feed's newest one. */
  feedTopWindowDays: number;
  /** Objects above this size are rejected before they are downloaded. */
  maxObjectBytes: number;
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  logLevel: LogLevel;
  /** What `cdk destroy` does to the bucket and the table. */
  removalPolicy: 'retain' | 'destroy';
  /** Table deletion protection (default: on when the removal policy is retain). */
  deletionProtection: boolean;
  /** Where alarms are e-mailed (a confirmation e-mail is sent first); none: alarms only go to the SNS topic. */
  alarmEmail?: string;
  /** CloudFront price class: 100 (North America, Europe), 200 (+ Asia, Middle East, Africa), All. */
  priceClass: (typeof PRICE_CLASSES)[number];
  /** Function memory, MB (Lambda's MB are MiB). */
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
  feedTopWindowDays: DEFAULT_TOP_WINDOW_DAYS,
  maxObjectBytes: 1024 * 1024,
  logRetentionDays: 30,
  logLevel: 'INFO',
  removalPolicy: 'retain',
  priceClass: '100',
  ingestMemoryMb: FUNCTION_MEMORY_MB,
  feedsMemoryMb: FUNCTION_MEMORY_MB,
  ingestMaxConcurrency: 5,
  keepOldVersionsDays: 30,
  reconcileSchedule: 'rate(1 day)',
  feedsReservedConcurrency: 10,
  tableMaxReadRequestUnits: 1000,
} as const satisfies Partial<Settings>;
