/**
 * What a file must fit before ingest writes anything for it: what S3 and DynamoDB hold. Each check returns
 * the reason a person can act on, or undefined when the file fits.
 */
import type { Article } from '../article/model.js';
import { DYNAMO_LIMITS, utf8Bytes } from '../store/limits.js';
import type { IngestStore } from '../store/types.js';
import { groupDigits } from '../text.js';

/**
 * The largest item an article may make when it is first checked (DynamoDB holds 400 KB): the rest is left for
 * bookkeeping that grows later (other files with the same link, feed positions left to clean up).
 */
export const MAX_ITEM_BYTES = DYNAMO_LIMITS.itemBytes - 16 * 1024;
/** S3 refuses a longer key; a local bucket may not, and such a file is rejected as S3 would refuse it. */
export const MAX_KEY_BYTES = 1024;

export const formatKB = (bytes: number) => `${groupDigits(Math.ceil(bytes / 1024))} KB`;

/** Why `key` cannot name an article file, or undefined. */
export function keyProblem(key: string): string | undefined {
  const bytes = utf8Bytes(key);
  if (bytes <= MAX_KEY_BYTES) return undefined;
  return `the file's name (its bucket key) takes ${groupDigits(bytes)} bytes in UTF-8; S3 keys hold at most ${groupDigits(MAX_KEY_BYTES)}: shorten it`;
}

/** Why the article of `key` is too large to store, or undefined: measured by the store as it writes it. */
export function sizeProblem(store: Pick<IngestStore, 'largestItemBytes'>, key: string, article: Article) {
  // The record as first written: one file, its feed positions pending.
  const time = new Date(0).toISOString();
  const bytes = store.largestItemBytes({
    ...article,
    files: { [key]: time },
    sourceKey: key,
    sourceTime: time,
    version: 1,
    stale: [],
    pending: true,
  });
  if (bytes <= MAX_ITEM_BYTES) return undefined;
  return `the article takes ${formatKB(bytes)} as a table item once rendered; at most ${formatKB(MAX_ITEM_BYTES)} can be stored: shorten the body, excerpt or related list`;
}
