/**
 * S3's ordering rule for sequencers (User Guide, "Event message structure"): right-pad the shorter with zeros,
 * then compare lexicographically. The stored form must order as that rule does when compared as plain strings
 * (which is what DynamoDB does in a condition expression), and values stored before (left-padded to 32) must be
 * read so that the next event of the key is ordered right.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareSequencers,
  isLaterThanStored,
  isLegacySequencer,
  LEGACY_WIDTH,
  STORED_WIDTH,
  storedSequencer,
} from '../../../../shared/store/sequencer.js';

/** S3's rule, written as the User Guide words it. */
function s3Order(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const x = a.toUpperCase().padEnd(width, '0');
  const y = b.toUpperCase().padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}
const sign = (n: number) => Math.sign(n);
/** Hex strings of any length up to 60 (longer than the stored width too), either case. */
const sequencer = fc
  .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 1, maxLength: 60 })
  .map((digits) => digits.join(''));
/** As the old code stored them. */
const legacy = (sent: string) => sent.toUpperCase().padStart(LEGACY_WIDTH, '0');

describe('the stored form of a sequencer', () => {
  it('compares as a plain string exactly as S3 orders the sequencers', () => {
    fc.assert(
      fc.property(sequencer, sequencer, (a, b) => {
        const [x, y] = [storedSequencer(a), storedSequencer(b)];
        expect(x < y ? -1 : x > y ? 1 : 0).toBe(sign(s3Order(a, b)));
        expect(sign(compareSequencers(a, b))).toBe(sign(s3Order(a, b)));
      }),
      { numRuns: 5000 },
    );
  });

  it('holds for the cases where left-padding was wrong, and ties where S3 sees one point', () => {
    expect(compareSequencers('FF', '100')).toBeGreaterThan(0);
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90282')).toBeLessThan(0);
    expect(compareSequencers('AB', 'ab00')).toBe(0);
    expect(storedSequencer('ab00')).toBe(storedSequencer('AB'));
  });

  it('is never as wide as a legacy value, so the two are told apart by length alone', () => {
    fc.assert(
      fc.property(sequencer, (a) => {
        expect(storedSequencer(a).length).toBeGreaterThanOrEqual(STORED_WIDTH);
        expect(isLegacySequencer(storedSequencer(a))).toBe(false);
        expect(isLegacySequencer(legacy(a.slice(0, 30)))).toBe(true);
      }),
    );
  });
});

describe('isLaterThanStored', () => {
  it('compares with the stored form by S3 rule; anything is later than nothing', () => {
    fc.assert(
      fc.property(sequencer, sequencer, (a, b) => {
        expect(isLaterThanStored(b, storedSequencer(a))).toBe(s3Order(b, a) > 0);
      }),
    );
    expect(isLaterThanStored('00', '')).toBe(true);
  });

  it('reads a legacy value with the leading zeros of the sequencer it is compared with', () => {
    // Sequencers of one key from one clock keep their leading zeros: what was stored left-padded compares with
    // a new event as the sequencer it was, whatever the lengths of the two.
    const clock = fc.array(fc.constantFrom(...'0123456789ABCDEF'), { minLength: 1, maxLength: 28 });
    fc.assert(
      fc.property(fc.nat(4), clock, clock, (zeros, x, y) => {
        const before = '0'.repeat(zeros) + ['1', ...x].join('');
        const after = '0'.repeat(zeros) + ['1', ...y].join('');
        fc.pre(before.length <= LEGACY_WIDTH);
        expect(isLaterThanStored(after, legacy(before))).toBe(s3Order(after, before) > 0);
      }),
      { numRuns: 5000 },
    );
    // The case left-padding got wrong: a later sequencer that is shorter.
    expect(isLaterThanStored('0055AED6DCD90282', legacy('0055AED6DCD90281E5'))).toBe(true);
    expect(isLaterThanStored('0055AED6DCD90281', legacy('0055AED6DCD90281E5'))).toBe(false);
    expect(isLaterThanStored('0055AED6DCD90281E5', legacy('0055AED6DCD90281E5'))).toBe(false);
  });
});
