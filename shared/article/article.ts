/** One file's bytes to a normalized Article: decode, split front matter, validate and normalize. */
import { parseFrontMatter } from './parse.js';
import { type Normalized, normalizeArticle } from './schema.js';

/**
 * Bumped whenever parsing or normalizing rules change what an article becomes: reconciliation and
 * `npm run reindex` re-apply files ingested by an older version.
 * 2: numbers the table cannot hold are dropped; sizes are measured as DynamoDB counts the items.
 */
export const PARSER_VERSION = 2;

export function parseArticle(content: Uint8Array | string): Normalized {
  const { data, body } = parseFrontMatter(typeof content === 'string' ? Buffer.from(content) : content);
  return normalizeArticle(data, body);
}
