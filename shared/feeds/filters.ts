/**
 * Which articles a tailored feed keeps: RSSHub's filters matched as plain text (never as a pattern run on
 * user input), and the quality floor. Every given parameter must hold (AND); within one parameter, any of its
 * `|` alternatives may match (OR). The alternatives of a parameter are one automaton (PhraseSet): a field is
 * scanned once, in linear time whatever the alternatives are, and only its first MAX_FIELD_CHARS characters,
 * so no value and no article can make a request slow. Text is compared in NFC, case-folded the Unicode way
 * when case does not matter (ß matches SS).
 *
 * What each filter looks at: `title`; `description` is the excerpt (the title when there is none, as in
 * RSSHub), never the body (it is stored apart, and reading it for every candidate would multiply a page's
 * cost); `author` is the provider's name or domain; `category` any topic name of the article.
 */
import type { FeedEntry } from '../article/model.js';
import type { FilterParameter, Tailoring } from './params.js';
import { PhraseSet } from './phrases.js';

/** The characters of each field a filter looks at (an excerpt or title longer than this is cut for matching). */
export const MAX_FIELD_CHARS = 4000;

type Field = 'title' | 'description' | 'author' | 'category';

const FIELDS_OF: Record<FilterParameter, { fields: Field[]; out: boolean }> = {
  filter: { fields: ['title', 'description'], out: false },
  filter_title: { fields: ['title'], out: false },
  filter_description: { fields: ['description'], out: false },
  filter_author: { fields: ['author'], out: false },
  filter_category: { fields: ['category'], out: false },
  filterout: { fields: ['title', 'description'], out: true },
  filterout_title: { fields: ['title'], out: true },
  filterout_description: { fields: ['description'], out: true },
  filterout_author: { fields: ['author'], out: true },
  filterout_category: { fields: ['category'], out: true },
};

/**
 * Text as compared: NFC, and for case-insensitive matching case-folded (upper then lower case maps ß to ss,
 * ς to σ, ﬁ to fi as Unicode's full case folding does; lower case alone would not), NFC again after.
 */
export function foldText(text: string, caseSensitive: boolean): string {
  const nfc = text.normalize('NFC');
  return caseSensitive ? nfc : nfc.toUpperCase().toLowerCase().normalize('NFC');
}

/** The texts of one field of an entry (several for author and category). */
function fieldTexts(entry: FeedEntry, field: Field): string[] {
  switch (field) {
    case 'title':
      return [entry.title || ''];
    case 'description':
      return [entry.summary || entry.title || ''];
    case 'author': {
      const p = entry.provider;
      return [p?.name, p?.domain].filter((v): v is string => typeof v === 'string' && v !== '');
    }
    case 'category':
      return (entry.topics ?? []).map((t) => t.name);
  }
}

/** The first MAX_FIELD_CHARS characters, never splitting a surrogate pair. */
function cut(text: string): string {
  if (text.length <= MAX_FIELD_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text[MAX_FIELD_CHARS - 1] ?? '') ? MAX_FIELD_CHARS - 1 : MAX_FIELD_CHARS;
  return text.slice(0, end);
}

export type EntryTest = (entry: FeedEntry) => boolean;

/** The test a tailoring puts entries to; undefined when it keeps every entry. */
export function entryFilter(t: Tailoring): EntryTest | undefined {
  const checks: EntryTest[] = [];
  const floor = t.minQuality;
  if (floor !== undefined) {
    checks.push((e) => typeof e.quality === 'number' && Number.isFinite(e.quality) && e.quality >= floor);
  }
  for (const [name, alts] of Object.entries(t.filters) as [FilterParameter, string[]][]) {
    const { fields, out } = FIELDS_OF[name];
    const phrases = new PhraseSet(alts.map((a) => foldText(a, t.caseSensitive)).filter((a) => a !== ''));
    const matches = (e: FeedEntry) =>
      fields.some((f) => fieldTexts(e, f).some((text) => phrases.test(foldText(cut(text), t.caseSensitive))));
    checks.push(out ? (e) => !matches(e) : matches);
  }
  if (checks.length === 0) return undefined;
  return (e) => checks.every((c) => c(e));
}
