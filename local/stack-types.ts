/**
 * The local stack's options and what it hands back (the composition is in stack.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Env } from '../shared/config.js';
import type { ReconcileResult } from '../shared/ingest/reconcile.js';
import type { DynamoStore } from '../shared/store/dynamodb.js';
import type { StatusConsole } from './console.js';

export interface LocalStackOptions {
  /** Where the table, the bucket's objects and the stack's state are kept. Created if missing. */
  dataDir: string;
  /** The watched folder, mirrored into the bucket (created if missing); false for none. */
  articlesDir?: string | false;
  /** Ports on 127.0.0.1; 0 picks a free one. Defaults: 3000, 4569, 4567. */
  port?: number;
  s3Port?: number;
  dynamoPort?: number;
  bucket?: string;
  tableName?: string;
  /** Folder of example articles loaded into a new data directory; false for none. */
  examples?: string | false;
  /** Batches in flight at once and messages per batch of the ingest queue. */
  concurrency?: number;
  batchSize?: number;
  /** How long a file in the watched folder must stay unchanged before it is uploaded (ms). */
  settleMs?: number;
  /** Throttle mode: the share of DynamoDB data requests throttled (0 to 1; DYNAMO_THROTTLE for npm start). */
  dynamoThrottle?: number;
  /** The ingest function's time limit (ms); Lambda's (shared/limits.ts) by default. */
  ingestTimeoutMs?: number;
  /** The queue's first redelivery wait (ms), doubling per receive; 5 s by default. */
  redeliveryMs?: number;
  /** Console output; a quiet one by default (the CLI passes the real console). */
  console?: StatusConsole;
  /**
   * The functions' settings, named as the environment variables they are in AWS (WEBSUB_HUBS, SITE_TITLE,
   * MAX_OBJECT_BYTES, FEED_*, PUBLIC_BASE_URL, LOG_LEVEL: README, Settings), validated as the functions do.
   * `npm start` reads them from its environment once (local/start.ts); unset ones take the local defaults.
   */
  settings?: Env;
}

export interface StartupReport {
  /** True when the data directory was new. */
  firstRun: boolean;
  examplesLoaded: number;
  /** Absent when the last run stopped cleanly (the table is known to match the bucket). */
  reconciled?: ReconcileResult;
  folder?: { uploaded: number; deleted: number; unchanged: number };
  /** After an unclean stop: how many topic counters had to be corrected. */
  recounted?: number;
  /** From the call to the moment the table caught up with the bucket and the folder (ms). */
  readyMs: number;
}

export interface LocalStack {
  urls: { feeds: string; opml: string; errors: string; deadLetters: string; s3: string; dynamo: string };
  /** WebSub hubs told of changed feeds (WEBSUB_HUBS); empty for none. */
  hubs: string[];
  ports: { http: number; s3: number; dynamo: number };
  bucket: string;
  tableName: string;
  dataDir: string;
  articlesDir?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; region: string };
  s3: S3Client;
  dynamo: DynamoDBClient;
  store: DynamoStore;
  /** Changes the share of DynamoDB data requests throttled (0 to 1). */
  throttleDynamo(share: number): void;
  /** Resolves when the start-up work (reconciliation, folder catch-up, first-run examples) is done. */
  ready: Promise<StartupReport>;
  /** Resolves when the start-up work is done and nothing is queued, uploading or being ingested. */
  idle(): Promise<void>;
  /** Resolves when the changes handed to the WebSub publisher so far are all sent or dropped. */
  published(): Promise<void>;
  /** Stops everything: the watcher, the queue (after draining a little), the servers. */
  close(options?: { drainMs?: number }): Promise<void>;
}
