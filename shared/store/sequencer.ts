/**
 * How S3 event sequencers are stored and compared.
 *
 * S3's rule (User Guide, "Event message structure"): sequencers of one key can be of different lengths; right-pad
 * the shorter with zeros, then compare lexicographically; the greater is the later event. So trailing zeros
 * carry no meaning ("AB" and "AB00" are the same point) and a longer sequencer is not a larger one ("FF" is
 * after "100").
 *
 * Stored form: upper case, trailing zeros dropped, right-padded with zeros to STORED_WIDTH (a sequencer with more
 * significant digits is kept whole). Any two stored forms then compare as plain strings exactly as S3 orders the
 * sequencers: both are at least STORED_WIDTH long, and the longer of two only ever ends in a non-zero digit, so
 * where one is a prefix of the other the longer is also the later. A string comparison is what DynamoDB does in
 * a condition expression (UTF-8 bytes; these are ASCII), so the table enforces the order itself.
 *
 * Legacy form: records written before this rule hold the sequencer left-padded with zeros to LEGACY_WIDTH, which
 * no stored form has (those are at least STORED_WIDTH long). Left-padding lost the sequencer's length, so such
 * a value is read as having as many leading zeros as the sequencer it is compared with: the sequencers of one
 * key come from one clock and keep their leading zeros (S3's and the local stack's alike). The next event
 * applied to the key rewrites the record in the stored form.
 */

/** Width of the stored form: above any sequencer S3 sends, and unlike LEGACY_WIDTH. */
export const STORED_WIDTH = 40;
/** Width of the values stored before S3's rule was followed (left-padded). */
export const LEGACY_WIDTH = 32;

const stripTrailingZeros = (s: string) => s.replace(/0+$/, '');
const stripLeadingZeros = (s: string) => s.replace(/^0+/, '');

/** The stored form of a sequencer as S3 sent it. */
export function storedSequencer(sent: string): string {
  return stripTrailingZeros(sent.toUpperCase()).padEnd(STORED_WIDTH, '0');
}

/** Whether a stored value is in the legacy (left-padded) form. */
export const isLegacySequencer = (stored: string): boolean => stored.length === LEGACY_WIDTH;

/** S3's comparison of two sequencers as sent: negative when `a` is earlier, 0 when the same point, else positive. */
export function compareSequencers(a: string, b: string): number {
  const x = storedSequencer(a);
  const y = storedSequencer(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whether the event with sequencer `sent` (as S3 sent it) is later than what a record's stored sequencer says
 * was applied ('' when nothing was).
 */
export function isLaterThanStored(sent: string, stored: string): boolean {
  if (stored === '') return true;
  if (!isLegacySequencer(stored)) return storedSequencer(sent) > stored;
  const upper = sent.toUpperCase();
  const leadingZeros = upper.length - stripLeadingZeros(upper).length;
  return compareSequencers(upper, '0'.repeat(leadingZeros) + stripLeadingZeros(stored)) > 0;
}
