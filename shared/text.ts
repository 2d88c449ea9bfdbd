/** Text hygiene for anything that ends up in XML, HTML or JSON. */

// XML 1.0 forbids C0 controls but TAB/LF/CR, U+FFFE/U+FFFF and lone surrogates; C1 controls are
// "discouraged" and no reader shows them sensibly, so they go too.
const ILLEGAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// A cheap first look: most text has none of these, and then the exact (slower) pattern is not needed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Removes characters that XML 1.0 cannot carry. */
export const stripIllegal = (s: string): string => (SUSPECT.test(s) ? s.replace(ILLEGAL, '') : s);

const FOLDABLE = /\s\s|[\t\n\r\f\v\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]|^\s|\s$/;

/** One line of plain text: illegal characters removed, runs of white space folded to one space, trimmed. */
export const cleanLine = (s: string): string => {
  const legal = stripIllegal(s);
  return FOLDABLE.test(legal) ? legal.replace(/\s+/g, ' ').trim() : legal;
};

/** A block of text (a markdown body): illegal characters removed, line endings normalized, trimmed. */
export const cleanBlock = (s: string): string => stripIllegal(s.replace(/\r\n?/g, '\n')).trim();

/**
 * A count with thousands separators, `12,345`: what toLocaleString('en-US') gives, without loading ICU's
 * locale data (20 ms the first time, at a function's cold start when a message is built at module load).
 */
export const groupDigits = (n: number): string => {
  const [whole = '', fraction] = String(n).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
};
