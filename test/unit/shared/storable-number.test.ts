/**
 * The numbers an article may carry (shared/article/storable-number.ts) at DynamoDB's exact edges, and the schema
 * dropping the others with a warning naming the field.
 */
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../shared/article/article.js';
import { dynamoNumberProblem, numberProblem } from '../../../shared/article/storable-number.js';
import { articleFile } from '../../support/articles.js';

const digits38 = '12345678901234567890123456789012345678';

describe('dynamoNumberProblem: what DynamoDB stores as a Number', () => {
  it.each([
    '0',
    '-0',
    '0.000',
    '1E-130',
    '-1E-130',
    '1.0E-130',
    '0.0001E-126',
    '9.9999999999999999999999999999999999999E+125',
    '-9.9999999999999999999999999999999999999E+125',
    digits38,
    `-${digits38}`,
    `0.${digits38}`,
    `${digits38}000000`,
    `0000${digits38}`,
    '1e125',
  ])('stores %s', (text) => {
    expect(dynamoNumberProblem(text)).toBeUndefined();
  });

  it.each([
    ['9.9999999999999999999999999999999999999E-131', /too small/],
    ['1E-131', /too small/],
    ['0.1E-130', /too small/],
    ['1E+126', /too large/],
    ['10E+125', /too large/],
    ['-1E+126', /too large/],
    [`${digits38}9`, /more than 38 significant digits/],
    [`1.${digits38}`, /more than 38 significant digits/],
    ['', /not a decimal/],
    ['1e', /not a decimal/],
    ['Infinity', /not a decimal/],
  ])('refuses %s', (text, problem) => {
    expect(dynamoNumberProblem(text)).toMatch(problem);
  });
});

describe('numberProblem: what the code carries exactly', () => {
  it('keeps every safe integer and refuses 2^53', () => {
    expect(numberProblem(Number.MAX_SAFE_INTEGER)).toBeUndefined();
    expect(numberProblem(-Number.MAX_SAFE_INTEGER)).toBeUndefined();
    expect(numberProblem(2 ** 53)).toMatch(/too large .*9,007,199,254,740,991/);
    expect(numberProblem(-(2 ** 53))).toMatch(/too large/);
  });

  it('keeps 1E-130 and refuses what is smaller', () => {
    expect(numberProblem(1e-130)).toBeUndefined();
    expect(numberProblem(-1e-130)).toBeUndefined();
    expect(numberProblem(9.999999999999999e-131)).toMatch(/too small/);
    expect(numberProblem(5e-324)).toMatch(/too small/);
    expect(numberProblem(0)).toBeUndefined();
    expect(numberProblem(-0)).toBeUndefined();
  });

  it('refuses what is not finite', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(numberProblem(v)).toMatch(/not a finite number/);
    }
  });
});

describe('the schema drops numbers it cannot store, with a warning naming the field', () => {
  const parse = (extra: string) => parseArticle(articleFile({ extra }));

  it.each([
    ['heat: 1e20', 'heat', /^heat: ignored, 100000000000000000000 is too large/],
    ['heat: 123456789012345678901234567890', 'heat', /^heat: ignored, 1\.2345678901234568e\+29 is too large/],
    ['quality: 1e-200', 'quality', /^quality: ignored, 1e-200 is too small/],
    ['quality: .inf', 'quality', /^quality: ignored, Infinity is not a finite number/],
    ['quality: .nan', 'quality', /^quality: ignored, not a number/],
    ['heat: 9007199254740992', 'heat', /^heat: ignored, 9007199254740992 is too large/],
  ] as const)('%s', (extra, field, warning) => {
    const { article, warnings } = parse(extra);
    expect(article.entry[field]).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('keeps the numbers at the edges', () => {
    const { article, warnings } = parse('heat: 9007199254740991\nquality: 1.0e-130');
    expect(warnings).toEqual([]);
    expect(article.entry.heat).toBe(Number.MAX_SAFE_INTEGER);
    expect(article.entry.quality).toBe(1e-130);
  });

  it("drops an image's width or height that cannot be stored, keeping the image", () => {
    const { article, warnings } = parse(
      'images:\n  - url: "https://img.example.com/a.png"\n    width: 1e300\n    height: 480',
    );
    expect(article.entry.image).toEqual({
      url: 'https://img.example.com/a.png',
      width: undefined,
      height: 480,
      type: 'image/png',
    });
    expect(warnings).toEqual([expect.stringMatching(/^images\[0\]\.width: ignored, 1e\+300 is too large/)]);
  });
});
