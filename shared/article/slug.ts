/**
 * Topic slugs: case-insensitive, Latin diacritics folded ("Économie" -> "economie"), spaces and punctuation
 * turned into "-", other scripts kept ("北朝鮮" stays; it is percent-encoded where it lands in a URL).
 */

// Latin letters that do not decompose into a base letter plus a combining mark.
const LATIN_SPECIAL: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  ŋ: 'n',
};
const LATIN_SPECIAL_RE = new RegExp(`[${Object.keys(LATIN_SPECIAL).join('')}]`, 'g');

/** The longest slug kept, in characters. */
export const MAX_SLUG_LENGTH = 80;

// Topic names repeat across articles (a few hundred topics, Zipf-like): remember recent slugs.
const cache = new Map<string, string>();
const CACHE_SIZE = 5000;

export function topicSlug(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const slug = computeSlug(name);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(name, slug);
  return slug;
}

function computeSlug(name: string): string {
  const slug = name
    .normalize('NFKC')
    // Upper then lower approximates Unicode case folding: ß, ᾀ and ſ fold like their capitals.
    .toUpperCase()
    .toLowerCase()
    .normalize('NFD')
    // Only marks on Latin letters are folded: in other scripts (kana voicing marks, Devanagari vowel signs)
    // a mark changes the letter.
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1')
    .normalize('NFC')
    .replace(LATIN_SPECIAL_RE, (c) => LATIN_SPECIAL[c] ?? c)
    .replace(/[^\p{L}\p{N}\p{M}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return [...slug].slice(0, MAX_SLUG_LENGTH).join('').replace(/-+$/, '');
}

/** A slug as it appears in a URL path segment. */
export const slugPath = (slug: string): string => encodeURIComponent(slug);
