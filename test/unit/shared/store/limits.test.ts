/**
 * DynamoDB's measure of an item (in UTF-8 bytes, as its documentation gives it) and the one place that tells
 * a write refused for its content from the store failing (shared/store/limits.ts).
 */
import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { InvalidArticleError } from '../../../../shared/errors.js';
import {
  itemBytes,
  MarshallingError,
  marshallItem,
  truncateUtf8,
  unstorable,
} from '../../../../shared/store/limits.js';

describe('itemBytes', () => {
  it('counts names and strings in UTF-8 bytes', () => {
    expect(itemBytes({ ab: { S: 'xyz' } })).toBe(5);
    // CJK characters take three bytes, astral ones four (two UTF-16 units each).
    expect(itemBytes({ 名前: { S: '北朝鮮' } })).toBe(6 + 9);
    expect(itemBytes({ e: { S: '😀😀' } })).toBe(1 + 8);
  });

  it('counts numbers by significant digits, booleans and nulls as one byte', () => {
    expect(itemBytes({ n: { N: '12345' } })).toBe(1 + 3 + 1);
    expect(itemBytes({ n: { N: '0.00120' } })).toBe(1 + 1 + 1);
    expect(itemBytes({ b: { BOOL: true }, z: { NULL: true } })).toBe(4);
  });

  it('adds three bytes to a list or map and one to each element', () => {
    expect(itemBytes({ l: { L: [{ S: 'ab' }, { S: 'c' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(itemBytes({ m: { M: { k: { S: '北' } } } })).toBe(1 + 3 + 1 + (1 + 3));
    expect(itemBytes({ m: { M: {} } })).toBe(4);
  });
});

describe('truncateUtf8', () => {
  it('cuts between characters, never inside one', () => {
    expect(truncateUtf8('ab北c', 4)).toBe('ab');
    expect(truncateUtf8('ab北c', 5)).toBe('ab北');
    expect(truncateUtf8('😀😀', 7)).toBe('😀');
    expect(truncateUtf8('short', 1024)).toBe('short');
  });
});

const validation = (message: string) => Object.assign(new Error(message), { name: 'ValidationException' });

describe('unstorable', () => {
  it.each([
    ['Item size has exceeded the maximum allowed size', /^the article is too large for a table item/],
    ['Item size to update has exceeded the maximum allowed size', /^the article is too large/],
    [
      'One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes',
      /^the file's name is too long for the table/,
    ],
    [
      'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
      /^the file's name is too long/,
    ],
    [
      'One or more parameter values were invalid: Size limit exceeded for Index Key gsi1sk Actual Size: 1049 bytes Max Size: 1024 bytes IndexName: gsi1',
      /^the file's name is too long/,
    ],
    [
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
      /^a number in the article cannot be stored/,
    ],
    ['Attempting to store more than 38 significant digits in a Number', /^a number in the article/],
  ])('a ValidationException "%s" is a rejection', (message, reason) => {
    const refused = unstorable(validation(message));
    expect(refused).toBeInstanceOf(InvalidArticleError);
    expect(refused?.reason).toMatch(reason);
    expect(refused?.reason).toContain(message);
  });

  it('a marshalling error is a rejection', () => {
    let error: unknown;
    try {
      marshallItem({ heat: 1e20 }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MarshallingError);
    expect(unstorable(error)?.reason).toMatch(
      /^a value in the article cannot be stored: Number 100000000000000000000 is greater than Number.MAX_SAFE_INTEGER/,
    );
  });

  it('the store failing is not: throttling, the network, a malformed request', () => {
    expect(unstorable(new ThrottlingException({ message: 'slow down', $metadata: {} }))).toBeUndefined();
    expect(unstorable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(unstorable(validation('Invalid UpdateExpression: Syntax error'))).toBeUndefined();
    expect(unstorable(undefined)).toBeUndefined();
  });
});
