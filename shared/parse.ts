/**
 * From a file's bytes to its front matter and body. gray-matter splits; js-yaml 5 parses the YAML, so
 * timestamps stay strings (no Date objects), with limits against alias bombs and deep nesting. An options
 * object is always passed: without one gray-matter caches every input forever (see NOTES).
 */
import matter from 'gray-matter';
import { load } from 'js-yaml';
import { InvalidArticleError } from './errors.js';

// js-yaml expands every alias into a copy: k levels of n aliases cost n^k. 20 aliases bound that to
// about 1,500 copies, far above what real front matter uses (the seeds use none).
export const YAML_LIMITS = { maxAliases: 20, maxDepth: 32 } as const;

export interface RawArticle {
  data: Record<string, unknown>;
  body: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 (dropping a BOM); refuses empty, binary and non-UTF-8 content with a reason. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new InvalidArticleError('the file is empty');
  if (bytes.includes(0)) {
    throw new InvalidArticleError(
      'the file contains NUL bytes: it looks binary, not a text file with front matter',
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidArticleError('the file is not valid UTF-8 text: save it as UTF-8');
  }
  if (text.trim() === '') throw new InvalidArticleError('the file is empty');
  return text;
}

function parseYaml(source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = load(source, YAML_LIMITS);
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    if (/alias/i.test(message)) {
      throw new InvalidArticleError(
        `the front matter uses more than ${YAML_LIMITS.maxAliases} YAML aliases (*name); an alias bomb is refused`,
      );
    }
    if (/maxDepth/.test(message)) {
      throw new InvalidArticleError(
        `the front matter nests lists or mappings deeper than ${YAML_LIMITS.maxDepth} levels`,
      );
    }
    throw new InvalidArticleError(`the front matter is not valid YAML: ${message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArticleError('the front matter must be a YAML mapping of fields (title: …, webUrl: …)');
  }
  return value as Record<string, unknown>;
}

/** Splits a file into front matter and body. */
export function parseFrontMatter(text: string): RawArticle {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (!/^---[ \t]*\n/.test(normalized)) {
    throw new InvalidArticleError(
      'the file has no front matter: it must start with a line "---", then YAML fields, then "---"',
    );
  }
  let parsed: { data: unknown; content: string };
  try {
    parsed = matter(normalized, { language: 'yaml', engines: { yaml: parseYaml } }) as typeof parsed;
  } catch (e) {
    if (e instanceof InvalidArticleError) throw e;
    throw new InvalidArticleError(
      `the front matter could not be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const data = parsed.data as Record<string, unknown>;
  if (Object.keys(data).length === 0) {
    throw new InvalidArticleError('the front matter is empty or not closed by a line "---"');
  }
  return { data, body: parsed.content };
}
