/**
 * Whole-table checks for the fault and storm runs: a dump of every item (wall-clock fields left out) to
 * compare with the table of a clean ingest, and the "exactly once" invariants read back from the table.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { stringify } from 'safe-stable-stringify';
import { ALL } from '../../shared/article/model.js';
import { documentClient } from '../../shared/store/document-client.js';
import { TOKEN_PREFIX } from '../../shared/store/dynamodb/count-tokens.js';
import { decodeEntry } from '../../shared/store/entry-items.js';
import { itemOf, topicKey } from '../../shared/store/table-layout.js';
import type { ArticleRecord, FileRecord } from '../../shared/store/types.js';

type Item = Record<string, unknown>;
/** The display name of each feed (by slug), and the upload time of the spelling. */
export type Names = Map<string, { name: string; at: string }>;

/**
 * Fields that count writes rather than hold data: an item's optimistic-concurrency version (`v`, `version`)
 * and a topic's revision (part of its ETag). A replay that finds work done writes less than an in-order
 * ingest, so these legitimately differ; they are compared and reported apart from the content.
 */
export const WRITE_COUNTERS = new Set(['v', 'version', 'revision']);
export const isCounterPath = (path: string): boolean => WRITE_COUNTERS.has(path.split('.').pop() ?? '');

/**
 * Every item of a table, keys sorted, ordered by pk and sk, without `lastChange`: the time a topic last
 * changed, not data. (A topic name's `nameAt` is data: the upload time of the spelling kept, the same
 * whatever order events arrive in.) Nor the random tokens of writes: a feed entry's creator (`c`), a topic's
 * count changes (`w_<random>`; `w` in tables written before).
 */
export async function dumpTable(client: DynamoDBClient, table: string): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  const pages = paginateScan({ client: documentClient(client) }, { TableName: table, ConsistentRead: true });
  for await (const page of pages) {
    for (const { lastChange: _, c: _c, w: _w, z, ...item } of page.Items ?? []) {
      const copy = Object.fromEntries(Object.entries(item).filter(([k]) => !k.startsWith(TOKEN_PREFIX)));
      // A feed entry's compressed form, shown as the entry it keeps (comparable, and readable in a diff).
      if (z !== undefined) copy.e = decodeEntry(z as Uint8Array, String(copy.sk));
      items.set(`${copy.pk} | ${copy.sk}`, copy);
    }
  }
  return new Map([...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** JSON with object keys sorted, so equal items print equal. */
export const canonical = (v: unknown): string => stringify(v) ?? 'undefined';

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

/**
 * The differences between two dumps: a line per item missing on one side or whose content differs (write
 * counters aside), how many items differ at each path (those on one side only under `(missing)`), and how
 * many differ only in write counters.
 */
export function diffDumps(a: Map<string, Item>, b: Map<string, Item>, names = ['clean', 'other']) {
  const diff = { lines: [] as string[], byPath: {} as Record<string, number>, countersOnly: 0 };
  // a's keys in its order, then those only in b.
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const [item, other] = [a.get(key), b.get(key)];
    const all = item && other ? differingPaths(item, other) : ['(missing)'];
    for (const p of all) diff.byPath[p] = (diff.byPath[p] ?? 0) + 1;
    if (!item || !other) {
      diff.lines.push(`${key}: only in the ${names[item ? 0 : 1]} table`);
      continue;
    }
    const paths = all.filter((p) => !isCounterPath(p));
    if (paths.length === 0) {
      if (all.length > 0) diff.countersOnly++;
      continue;
    }
    const at = (v: Item, p: string) => p.split('.').reduce<unknown>((o, k) => (o as Item)?.[k], v);
    const show = (v: Item) => canonical(Object.fromEntries(paths.map((p) => [p, at(v, p)]))).slice(0, 200);
    diff.lines.push(
      `${key}: ${show(item)} in the ${names[0]} table, ${show(other)} in the ${names[1]} table`,
    );
  }
  return diff;
}

/**
 * Where a table's topic names differ from the names expected (`topicNamesFromBucket`): expected topics whose
 * name or its time differ or that are missing, and topics with articles that no file names.
 */
export function checkTopicNames(dump: Map<string, Item>, expected: Names): string[] {
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

/**
 * Reads the table back: file states, articles (and those left half-written: a fan-out not finished), feeds
 * whose entries disagree with the count their metadata claims, articles twice in the all-articles feed.
 */
export function checkOnce(dump: Map<string, Item>) {
  const fileStates = { ok: 0, rejected: 0, deleted: 0, other: 0 };
  const rejections: { key: string; reason?: string }[] = [];
  let [articles, pending] = [0, 0];
  const entries = new Map<string, string[]>();
  const counts = new Map<string, number>();
  for (const item of dump.values()) {
    const { kind, feed = '' } = itemOf(String(item.pk)) ?? {};
    if (kind === 'file') {
      const f = item.file as FileRecord;
      fileStates[(f.status in fileStates ? f.status : 'other') as keyof typeof fileStates]++;
      if (f.status === 'rejected') rejections.push({ key: f.key, reason: f.reason });
    } else if (kind === 'article') {
      articles++;
      if ((item.article as ArticleRecord).pending) pending++;
    } else if (kind === 'entry') {
      const ids = entries.get(feed) ?? [];
      entries.set(feed, ids);
      ids.push((item.e as { articleId: string }).articleId);
    } else if (kind === 'feed') {
      counts.set(feed, Number(item.count ?? 0));
    }
  }
  const countMismatches = [...entries]
    .filter(([feed, ids]) => (counts.get(feed) ?? 0) !== ids.length)
    .map(([feed, ids]) => `${feed}: ${ids.length} entries, count ${counts.get(feed) ?? 0}`);
  for (const [slug, count] of counts)
    if (count !== 0 && !entries.has(slug)) countMismatches.push(`${slug}: no entries, count ${count}`);
  const all = entries.get(ALL) ?? [];
  const seen = new Set<string>();
  const duplicates = all.filter((id) => seen.size === seen.add(id).size);
  return { fileStates, rejections, articles, pending, countMismatches, duplicates, allEntries: all.length };
}
