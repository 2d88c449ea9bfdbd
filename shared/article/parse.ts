/**
 * From a file's bytes to its front matter and body. gray-matter splits; js-yaml 5 parses the YAML, so
 * timestamps stay strings (no Date objects), with limits against alias bombs and deep nesting. An options
 * object is always passed: without one gray-matter caches every input forever (see NOTES).
 */
import { isUtf8 } from 'node:buffer';
import matter from 'gray-matter';
import { load } from 'js-yaml';
import { InvalidArticleError } from '../errors.js';

// js-yaml expands every alias into a copy: k levels of n aliases cost n^k. 20 aliases bound that to
// about 1,500 copies, far above what real front matter uses (the seeds use none).
export const YAML_LIMITS = { maxAliases: 20, maxDepth: 32 } as const;

export interface RawArticle {
  data: Record<string, unknown>;
  body: string;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const DASH = 0x2d;

/** Whether the bytes start (after an optional BOM) with a line "---" (trailing blanks allowed). */
function opensFrontMatter(bytes: Uint8Array): boolean {
  let i = bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2] ? 3 : 0;
  if (bytes[i] !== DASH || bytes[i + 1] !== DASH || bytes[i + 2] !== DASH) return false;
  i += 3;
  while (bytes[i] === 0x20 || bytes[i] === 0x09) i++;
  return bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] === 0x0a);
}

/** Refuses empty, binary and non-UTF-8 content with a reason (a native check: nothing is decoded). */
export function checkText(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new InvalidArticleError('the file is empty');
  if (bytes.includes(0)) {
    throw new InvalidArticleError(
      'the file contains NUL bytes: it looks binary, not a text file with front matter',
    );
  }
  if (!isUtf8(bytes)) throw new InvalidArticleError('the file is not valid UTF-8 text: save it as UTF-8');
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

/**
 * gray-matter runs front matter opened by `---js` (or `---javascript`, `---coffee`) through eval(). Such a
 * file never gets here (the first line must be exactly `---`); should one ever, its code is refused, not run.
 */
const refuseCode = (): never => {
  throw new InvalidArticleError('the front matter must be YAML; code in front matter is never run');
};

/**
 * Splits a file's bytes into front matter and body. The bytes go to gray-matter as they are: it decodes them
 * (dropping a BOM) and keeps them as `orig` without copying; CRLF line endings are fine for it and js-yaml.
 */
export function parseFrontMatter(bytes: Uint8Array): RawArticle {
  checkText(bytes);
  if (!opensFrontMatter(bytes)) {
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').trim() === '') {
      throw new InvalidArticleError('the file is empty');
    }
    throw new InvalidArticleError(
      'the file has no front matter: it must start with a line "---", then YAML fields, then "---"',
    );
  }
  let parsed: { data: unknown; content: string };
  try {
    const file = { content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    parsed = matter(file as unknown as string, {
      language: 'yaml',
      engines: { yaml: parseYaml, js: refuseCode, javascript: refuseCode, coffee: refuseCode },
    }) as typeof parsed;
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
