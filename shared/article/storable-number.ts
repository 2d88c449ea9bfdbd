/**
 * Which numbers an article may carry: those DynamoDB stores and this code reads back exactly.
 *
 * DynamoDB's Number holds at most 38 significant digits, and a magnitude of 0 or from 1E-130 up to
 * 9.9999999999999999999999999999999999999E+125 (it refuses anything else with a ValidationException).
 * util-dynamodb's marshall refuses any number beyond ±Number.MAX_SAFE_INTEGER (and its unmarshall cannot
 * read one back as a number), so that is the largest magnitude kept. A number that breaks either rule would
 * fail every write of its article: the schema drops it with a warning instead.
 */

import { groupDigits } from '../text.js';

/** The smallest non-zero magnitude DynamoDB stores. */
const MIN_EXPONENT = -130;
/** DynamoDB stores magnitudes below 10^126. */
const MAX_EXPONENT = 125;
const MAX_DIGITS = 38;

// A decimal as DynamoDB reads it: sign, digits with an optional point, optional exponent.
const DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Why DynamoDB would refuse this decimal text as a Number, or undefined when it stores it. */
export function dynamoNumberProblem(text: string): string | undefined {
  const m = DECIMAL.exec(text);
  if (!m || `${m[1]}${m[2] ?? ''}` === '') return 'is not a decimal number';
  const digits = `${m[1]}${m[2] ?? ''}`;
  const first = digits.search(/[1-9]/);
  if (first === -1) return undefined; // zero
  const significant = digits.slice(first).replace(/0+$/, '');
  if (significant.length > MAX_DIGITS) return `has more than ${MAX_DIGITS} significant digits`;
  // The exponent of the first significant digit: d.ddd × 10^exponent.
  const exponent = Number(m[3] ?? 0) + (m[1]?.length ?? 0) - first - 1;
  if (exponent > MAX_EXPONENT) return 'is too large (DynamoDB stores magnitudes below 1E+126)';
  if (exponent < MIN_EXPONENT) return 'is too small (DynamoDB stores magnitudes from 1E-130, or 0)';
  return undefined;
}

/** Why `value` cannot be stored and read back exactly, or undefined when it can. */
export function numberProblem(value: number): string | undefined {
  if (!Number.isFinite(value)) return 'is not a finite number';
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    return `is too large (at most ${groupDigits(Number.MAX_SAFE_INTEGER)} in magnitude is kept exactly)`;
  }
  return dynamoNumberProblem(String(value));
}
