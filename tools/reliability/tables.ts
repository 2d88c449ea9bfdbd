/**
 * Whole-table checks for the fault and storm runs: a dump of every item (wall-clock fields left out) to
 * compare with the table of a clean ingest, and the "exactly once" invariants read back from the table.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ALL } from '../../shared/article/model.js';
import { documentClient } from '../../shared/store/document-client.js';
import { decodeEntry } from '../../shared/store/entry-items.js';
import { itemOf, topicKey } from '../../shared/store/table-layout.js';
import type { ArticleRecord, FileRecord } from '../../shared/store/types.js';

type Item = Record<string, unknown>;

/**
 * Fields that hold the time something was done (not data): a topic's last change. (A topic name's `nameAt` is
 * data: the upload time of the spelling kept, the same whatever order events arrive in.)
 */
export const WALL_CLOCK_FIELDS = ['lastChange'] as const;

/** Random tokens of writes (a feed entry's creator `c`, a topic's count changes in flight `w`): not data. */
export const WRITE_TOKENS = ['c', 'w'] as const;

/**
 * Fields that count writes rather than hold data: an item's optimistic-concurrency version (`v`, `version`)
 * and a topic's revision (part of its ETag). A replay that finds work done writes less than an in-order
 * ingest, so these legitimately differ; they are compared and reported apart from the content.
 */
export const WRITE_COUNTERS = new Set(['v', 'version', 'revision']);
export const isCounterPath = (path: string): boolean => WRITE_COUNTERS.has(path.split('.').pop() ?? '');

/** Every item of a table, keys sorted, wall-clock fields and write tokens removed, ordered by pk and sk. */
export async function dumpTable(client: DynamoDBClient, table: string): Promise<Map<string, Item>> {
  const doc = documentClient(client);
  const items = new Map<string, Item>();
  let start: Item | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      const copy: Item = { ...item };
      for (const f of [...WALL_CLOCK_FIELDS, ...WRITE_TOKENS]) delete copy[f];
      // A feed entry's compressed form, shown as the entry it keeps (comparable, and readable in a diff).
      if (copy.z instanceof Uint8Array) {
        copy.e = decodeEntry(copy.z, String(item.sk));
        delete copy.z;
      }
      items.set(`${item.pk} | ${item.sk}`, copy);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return new Map([...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** JSON with object keys sorted, so equal items print equal. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Item).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
}

/** The paths (`article.entry.title`) at which two values differ. */
export function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Item => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) =>
      differingPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k),
    );
  }
  return canonical(a) === canonical(b) ? [] : [prefix || '(value)'];
}

export interface DumpDiff {
  /** One line per item whose content differs (write counters aside). */
  lines: string[];
  /** How many items differ at each path (items only on one side count under `(missing)`). */
  byPath: Record<string, number>;
  /** Items that differ only in write counters. */
  countersOnly: number;
}

/** The differences between two dumps: an item missing on one side, or the paths where it differs. */
export function diffDumps(a: Map<string, Item>, b: Map<string, Item>, names = ['clean', 'other']): DumpDiff {
  const lines: string[] = [];
  const byPath: Record<string, number> = {};
  let countersOnly = 0;
  const count = (p: string) => {
    byPath[p] = (byPath[p] ?? 0) + 1;
  };
  for (const [key, item] of a) {
    const other = b.get(key);
    if (!other) {
      lines.push(`${key}: only in the ${names[0]} table`);
      count('(missing)');
      continue;
    }
    const all = differingPaths(item, other);
    for (const p of all) count(p);
    const paths = all.filter((p) => !isCounterPath(p));
    if (paths.length === 0) {
      if (all.length > 0) countersOnly++;
      continue;
    }
    const show = (v: Item) =>
      canonical(
        Object.fromEntries(
          paths.map((p) => [p, p.split('.').reduce<unknown>((o, k) => (o as Item)?.[k], v)]),
        ),
      ).slice(0, 200);
    lines.push(`${key}: ${show(item)} in the ${names[0]} table, ${show(other)} in the ${names[1]} table`);
  }
  for (const key of b.keys()) {
    if (!a.has(key)) {
      lines.push(`${key}: only in the ${names[1]} table`);
      count('(missing)');
    }
  }
  return { lines, byPath, countersOnly };
}

/**
 * Where a table's topic names differ from the names expected (`topicNamesFromBucket`): expected topics whose
 * name or its time differ or that are missing, and topics with articles that no file names.
 */
export function checkTopicNames(
  dump: Map<string, Item>,
  expected: Map<string, { name: string; at: string }>,
): string[] {
  const out: string[] = [];
  for (const [slug, want] of expected) {
    const key = topicKey(slug);
    const item = dump.get(`${key.pk} | ${key.sk}`);
    if (!item) out.push(`${slug}: expected "${want.name}", not in the table`);
    else if (item.name !== want.name || item.nameAt !== want.at)
      out.push(`${slug}: "${item.name}" (${item.nameAt}), expected "${want.name}" (${want.at})`);
  }
  for (const item of dump.values()) {
    const { kind, feed: slug = '' } = itemOf(String(item.pk)) ?? {};
    if (kind === 'feed' && slug !== ALL && !expected.has(slug) && Number(item.count ?? 0) > 0)
      out.push(`${slug}: named "${item.name}", but no file in the bucket names it`);
  }
  return out;
}

export interface OnceReport {
  files: { ok: number; rejected: number; deleted: number; other: number };
  rejections: { key: string; reason?: string }[];
  articles: number;
  /** Articles left half-written (a fan-out not finished). */
  pending: number;
  /** Entries per feed, and the count its topic metadata claims, where they disagree. */
  countMismatches: string[];
  /** Articles that sit in the all-articles feed more than once. */
  duplicates: string[];
  allEntries: number;
}

/** Reads the table back: file states, articles, and whether every feed holds each article once. */
export function checkOnce(dump: Map<string, Item>): OnceReport {
  const report: OnceReport = {
    files: { ok: 0, rejected: 0, deleted: 0, other: 0 },
    rejections: [],
    articles: 0,
    pending: 0,
    countMismatches: [],
    duplicates: [],
    allEntries: 0,
  };
  const entries = new Map<string, string[]>();
  const counts = new Map<string, number>();
  for (const item of dump.values()) {
    const { kind, feed = '' } = itemOf(String(item.pk)) ?? {};
    if (kind === 'file') {
      const f = item.file as FileRecord;
      if (f.status === 'ok' || f.status === 'rejected' || f.status === 'deleted') report.files[f.status]++;
      else report.files.other++;
      if (f.status === 'rejected') report.rejections.push({ key: f.key, reason: f.reason });
    } else if (kind === 'article') {
      report.articles++;
      if ((item.article as ArticleRecord).pending) report.pending++;
    } else if (kind === 'entry') {
      const list = entries.get(feed) ?? [];
      list.push((item.e as { articleId: string }).articleId);
      entries.set(feed, list);
    } else if (kind === 'feed') {
      counts.set(feed, Number(item.count ?? 0));
    }
  }
  for (const [feed, ids] of entries) {
    if ((counts.get(feed) ?? 0) !== ids.length) {
      report.countMismatches.push(`${feed}: ${ids.length} entries, count ${counts.get(feed) ?? 0}`);
    }
  }
  for (const [slug, count] of counts) {
    if (count !== 0 && !entries.has(slug)) report.countMismatches.push(`${slug}: no entries, count ${count}`);
  }
  const all = entries.get('_all') ?? [];
  report.allEntries = all.length;
  const seen = new Set<string>();
  for (const id of all) {
    if (seen.has(id)) report.duplicates.push(id);
    seen.add(id);
  }
  return report;
}

/** What faults and limits report about the table they left, against a clean ingest (`diffDumps`). */
export function tableFigures(once: OnceReport, differences: DumpDiff, items: number) {
  return {
    fileStates: once.files,
    rejections: once.rejections.slice(0, 10),
    articles: once.articles,
    allEntries: once.allEntries,
    pending: once.pending,
    duplicates: once.duplicates.slice(0, 10),
    countMismatches: once.countMismatches.slice(0, 10),
    items,
    differencesFromClean: differences.lines.length,
    differingPaths: differences.byPath,
    countersOnlyDifferences: differences.countersOnly,
    firstDifferences: differences.lines.slice(0, 10),
  };
}
