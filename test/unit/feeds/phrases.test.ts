/** PhraseSet finds a phrase exactly when String#includes does, for any phrases and texts (small alphabets force overlaps). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhraseSet } from '../../../shared/feeds/phrases.js';

describe('PhraseSet', () => {
  it('agrees with includes on overlapping, nested and repeated phrases', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '😀'), maxLength: 40 });
    const phrase = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '😀'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(phrase, { minLength: 1, maxLength: 6 }), text, (phrases, t) => {
        expect(new PhraseSet(phrases).test(t)).toBe(phrases.some((p) => t.includes(p)));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the classic cases', () => {
    const set = new PhraseSet(['he', 'she', 'his', 'hers']);
    expect(set.test('ushers')).toBe(true);
    expect(set.test('ahishe')).toBe(true);
    expect(set.test('xyz')).toBe(false);
    expect(new PhraseSet(['aab']).test('aaab')).toBe(true);
    expect(new PhraseSet(['abcd', 'bc']).test('abc')).toBe(true);
    expect(new PhraseSet(['東京']).test('東京で選挙')).toBe(true);
  });
});
