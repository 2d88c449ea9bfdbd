/**
 * DynamoDB's limits as content meets them: how it measures an item, from its documentation ("Item sizes and
 * formats", "Constraints"): strings and attribute names count their UTF-8 bytes; a number about one byte per
 * two significant digits plus one; a binary its raw bytes; a boolean or null one byte; a list or map three
 * bytes plus one per element (plus each element's name, for a map). Hand-written: no kept package does it.
 * And which errors of a write mean the content cannot be stored (a rejection), not that the store failed.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { InvalidArticleError } from '../errors.js';

export const DYNAMO_LIMITS = {
  /** An item: 400 KB, names and values together. */
  itemBytes: 400 * 1024,
  /** A partition key value (of the table or an index). */
  partitionKeyBytes: 2048,
  /** A sort key value (of the table or an index). */
  sortKeyBytes: 1024,
} as const;

export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The longest start of `s` that takes at most `maxBytes` in UTF-8, cut between characters. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Bytes(s) <= maxBytes) return s;
  let bytes = 0;
  let end = 0;
  for (const char of s) {
    bytes += utf8Bytes(char);
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return s.slice(0, end);
}

/** A Number's size: leading and trailing zeros do not count. */
function numberBytes(text: string): number {
  const significant = text
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(significant.length / 2) + 1;
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return utf8Bytes(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((sum, s) => sum + utf8Bytes(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (v.BS !== undefined) return v.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (v.L !== undefined) return v.L.reduce((sum, e) => sum + 1 + valueBytes(e), 3);
  if (v.M !== undefined) return 3 + Object.keys(v.M).length + itemBytes(v.M);
  return 0;
}

/** An item's size as DynamoDB counts it against its 400 KB limit. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += utf8Bytes(name) + valueBytes(value);
  return total;
}

/** A value the marshaller refused (a number it cannot carry exactly, a type it does not know). */
export class MarshallingError extends Error {
  override readonly name = 'MarshallingError';
}

/** util-dynamodb's marshall, its refusals thrown as MarshallingError. */
export function marshallItem(value: object, options: Parameters<typeof marshall>[1]) {
  try {
    return marshall(value, options);
  } catch (e) {
    throw new MarshallingError((e as Error).message, { cause: e });
  }
}

// DynamoDB's ValidationException messages that are about a value written (not about the request's form).
const TOO_LARGE = /item size (to update )?has exceeded/i;
const KEY_TOO_LONG = /size of hashkey|size of all range keys|size limit exceeded for index key/i;
const BAD_NUMBER = /number overflow|number underflow|significant digits/i;

/**
 * The one place that tells a write refused for what it carries from the store failing. Returns the
 * rejection (with a reason a person can act on) when `error` means the content cannot be stored: retrying
 * would fail the same way for ever. Anything else (throttling, the network, a lost race) stays as it was.
 */
export function unstorable(error: unknown): InvalidArticleError | undefined {
  if (error instanceof InvalidArticleError) return error;
  if (error instanceof MarshallingError) {
    return new InvalidArticleError(`a value in the article cannot be stored: ${error.message}`, 'store');
  }
  const { name, message = '' } = (error ?? {}) as { name?: string; message?: string };
  if (name !== 'ValidationException') return undefined;
  if (TOO_LARGE.test(message)) {
    return new InvalidArticleError(
      `the article is too large for a table item (DynamoDB: "${message}"): shorten the body, excerpt or related list`,
      'body',
    );
  }
  if (KEY_TOO_LONG.test(message)) {
    return new InvalidArticleError(
      `the file's name is too long for the table (DynamoDB: "${message}"): shorten it`,
      'key',
    );
  }
  if (BAD_NUMBER.test(message)) {
    return new InvalidArticleError(
      `a number in the article cannot be stored (DynamoDB: "${message}")`,
      'store',
    );
  }
  return undefined;
}
