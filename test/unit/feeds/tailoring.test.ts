/**
 * The tailoring parameters and the filter matcher: each parameter alone, their combinations (AND across
 * parameters, OR across `|` alternatives), RSSHub's case-sensitive default, Unicode case folding, and hostile
 * values (long, `|||`, regex metacharacters, unicode, repeated) refused with a reason or matched as text.
 */
import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../../shared/article/model.js';
import { entryFilter, MAX_FIELD_CHARS } from '../../../shared/feeds/filters.js';
import {
  MAX_ALTERNATIVES,
  MAX_FILTER_CHARS,
  ParamError,
  parseTailoring,
  TAILORING_PARAMETERS,
} from '../../../shared/feeds/params.js';
import { entry } from '../../support/feeds-fixtures.js';

const q = (s: string) => new URLSearchParams(s);
const keeps = (query: string, e: FeedEntry) => {
  const test = entryFilter(parseTailoring(q(query)));
  return test === undefined ? true : test(e);
};
const refusal = (query: string) => {
  try {
    parseTailoring(q(query));
  } catch (e) {
    expect(e).toBeInstanceOf(ParamError);
    return (e as Error).message;
  }
  throw new Error(`"${query}" was accepted`);
};

const cnn = entry(1, {
  title: 'Biden reaches out to North Korea',
  summary: 'Pyongyang has been unresponsive.',
  provider: { name: 'CNN', domain: 'cnn.com' },
  topics: [
    { slug: 'election', name: 'Election' },
    { slug: 'democratic-voice', name: 'Democratic Voice' },
  ],
  quality: 164,
  heat: 184,
});

describe('parameters', () => {
  it('reads nothing from a query without them, and ignores unknown ones', () => {
    const t = parseTailoring(q('limit=5&utm_source=x&Filter=CNN'));
    expect(t.key).toBe('');
    expect(entryFilter(t)).toBeUndefined();
  });

  it('makes a canonical key, in a fixed order, without values that change nothing', () => {
    expect(parseTailoring(q('minQuality=100&filter=a%7Cb&filter_case_sensitive=false')).key).toBe(
      'filter=a%7Cb&filter_case_sensitive=false&minQuality=100',
    );
    expect(parseTailoring(q('filter_case_sensitive=true&filter=x')).key).toBe('filter=x');
    // Case sensitivity without a text filter changes nothing: no second cache entry.
    expect(parseTailoring(q('filter_case_sensitive=false')).key).toBe('');
    expect(parseTailoring(q('minQuality=007.50')).key).toBe('minQuality=7.5');
    // An empty value is no filter, as in RSSHub.
    expect(parseTailoring(q('filter=&filterout=')).key).toBe('');
  });

  it('refuses a bad value with the parameter and what is wrong', () => {
    expect(refusal('minQuality=high')).toBe('minQuality must be a number, got "high"');
    expect(refusal('minQuality=1e3')).toMatch(/^minQuality must be a number/);
    expect(refusal('minQuality=NaN')).toMatch(/^minQuality must be a number/);
    expect(refusal('filter_case_sensitive=no')).toBe('filter_case_sensitive must be true or false, got "no"');
    expect(refusal('filter=%7C%7C%7C')).toBe('filter has no text between its | separators');
    expect(refusal(`filter_title=${'x'.repeat(MAX_FILTER_CHARS + 1)}`)).toBe(
      `filter_title is longer than ${MAX_FILTER_CHARS} characters (${MAX_FILTER_CHARS + 1})`,
    );
    const many = Array.from({ length: MAX_ALTERNATIVES + 1 }, (_, i) => `w${i}`).join('|');
    expect(refusal(`filterout=${encodeURIComponent(many)}`)).toBe(
      `filterout has ${MAX_ALTERNATIVES + 1} alternatives; at most ${MAX_ALTERNATIVES} are allowed`,
    );
    expect(refusal('filter=a&filter=b')).toBe(
      'filter is given 2 times; give it once, with alternatives separated by |',
    );
    expect(refusal('minQuality=1&minQuality=2')).toBe('minQuality is given 2 times; give it once');
  });

  it('counts length in characters, so a value of emoji is not refused for its UTF-16 length', () => {
    const emoji = '😀'.repeat(MAX_FILTER_CHARS);
    expect(parseTailoring(q(`filter=${encodeURIComponent(emoji)}`)).filters.filter).toEqual([emoji]);
    // A long echoed value is cut in the reason.
    expect(refusal(`minQuality=${'9'.repeat(500)}`).length).toBeLessThan(100);
  });

  it('reads a plain record as well as URLSearchParams', () => {
    expect(parseTailoring({ filter: 'CNN', limit: '3' }).filters).toEqual({ filter: ['CNN'] });
  });

  it('lists every parameter it reads', () => {
    expect([...TAILORING_PARAMETERS].sort()).toEqual(
      [
        'filter',
        'filter_author',
        'filter_case_sensitive',
        'filter_category',
        'filter_description',
        'filter_title',
        'filterout',
        'filterout_author',
        'filterout_category',
        'filterout_description',
        'filterout_title',
        'minQuality',
      ].sort(),
    );
  });
});

describe('each filter', () => {
  it('filter: title or description', () => {
    expect(keeps('filter=North', cnn)).toBe(true);
    expect(keeps('filter=Pyongyang', cnn)).toBe(true);
    expect(keeps('filter=CNN', cnn)).toBe(false);
  });
  it('filter_title, filter_description', () => {
    expect(keeps('filter_title=Korea', cnn)).toBe(true);
    expect(keeps('filter_title=Pyongyang', cnn)).toBe(false);
    expect(keeps('filter_description=unresponsive', cnn)).toBe(true);
    expect(keeps('filter_description=Biden', cnn)).toBe(false);
  });
  it('description is the title when there is no excerpt, as in RSSHub', () => {
    const bare = { ...cnn, summary: undefined };
    expect(keeps('filter_description=Biden', bare)).toBe(true);
  });
  it('filter_author: provider name or domain', () => {
    expect(keeps('filter_author=CNN', cnn)).toBe(true);
    expect(keeps('filter_author=cnn.com', cnn)).toBe(true);
    expect(keeps('filter_author=BBC', cnn)).toBe(false);
    expect(keeps('filter_author=CNN', { ...cnn, provider: undefined })).toBe(false);
  });
  it('filter_category: any topic name', () => {
    expect(keeps('filter_category=Democratic', cnn)).toBe(true);
    expect(keeps('filter_category=Space', cnn)).toBe(false);
  });
  it('filterout and its field forms leave matches out', () => {
    expect(keeps('filterout=Korea', cnn)).toBe(false);
    expect(keeps('filterout=Pyongyang', cnn)).toBe(false);
    expect(keeps('filterout=Space', cnn)).toBe(true);
    expect(keeps('filterout_title=Pyongyang', cnn)).toBe(true);
    expect(keeps('filterout_description=Pyongyang', cnn)).toBe(false);
    expect(keeps('filterout_author=cnn.com', cnn)).toBe(false);
    expect(keeps('filterout_category=Election', cnn)).toBe(false);
    expect(keeps('filterout_category=Space', cnn)).toBe(true);
  });
  it('minQuality keeps quality at least N and leaves out articles without one', () => {
    expect(keeps('minQuality=164', cnn)).toBe(true);
    expect(keeps('minQuality=164.5', cnn)).toBe(false);
    expect(keeps('minQuality=-5', { ...cnn, quality: -4 })).toBe(true);
    expect(keeps('minQuality=0', { ...cnn, quality: undefined })).toBe(false);
  });
});

describe('combinations', () => {
  it('| gives alternatives; parameters all hold', () => {
    expect(keeps('filter=Mars%7CKorea', cnn)).toBe(true);
    expect(keeps('filter=Korea&filter_author=BBC', cnn)).toBe(false);
    expect(keeps('filter=Korea&filter_author=BBC%7CCNN&minQuality=100', cnn)).toBe(true);
    expect(keeps('filter=Korea&filterout_category=Election', cnn)).toBe(false);
    // Unlike RSSHub, filter does not switch filter_title off: both must hold.
    expect(keeps('filter=Korea&filter_title=Pyongyang', cnn)).toBe(false);
  });
  it('is case-sensitive by default (RSSHub), insensitive on request', () => {
    expect(keeps('filter=korea', cnn)).toBe(false);
    expect(keeps('filter=korea&filter_case_sensitive=false', cnn)).toBe(true);
    expect(keeps('filterout=KOREA&filter_case_sensitive=false', cnn)).toBe(false);
  });
});

describe('hostile values are plain text', () => {
  it('regex metacharacters match only themselves', () => {
    const plain = { ...cnn, summary: 'Pyongyang has been unresponsive' };
    for (const v of ['.*', '(a+)+$', '[', '\\', '^', '$', '.', '?', '(?=x)', 'K.rea']) {
      expect(keeps(`filter=${encodeURIComponent(v)}`, plain)).toBe(false);
    }
    const odd = { ...cnn, title: 'Costs (a+)+$ rise .* again' };
    expect(keeps(`filter=${encodeURIComponent('(a+)+$')}`, odd)).toBe(true);
    expect(keeps(`filter=${encodeURIComponent('.*')}`, odd)).toBe(true);
  });
  it('a stray | adds no match-everything alternative', () => {
    expect(keeps('filter=Mars%7C', cnn)).toBe(false);
    expect(keeps('filter=%7C%7CKorea%7C%7C', cnn)).toBe(true);
  });
  it('unicode: composed and decomposed forms match, case folds the Unicode way', () => {
    const de = { ...cnn, title: 'Straße in München', summary: undefined };
    expect(keeps(`filter=${encodeURIComponent('Mu\u0308nchen')}`, de)).toBe(true);
    expect(keeps('filter=STRASSE&filter_case_sensitive=false', de)).toBe(true);
    expect(keeps('filter=STRASSE', de)).toBe(false);
    const el = { ...cnn, title: 'ΟΔΥΣΣΕΥΣ', summary: undefined };
    expect(keeps(`filter=${encodeURIComponent('οδυσσευς')}&filter_case_sensitive=false`, el)).toBe(true);
    const odysseus = { ...cnn, title: 'ὈΔΥΣΣΕΎΣ', summary: undefined };
    expect(keeps(`filter=${encodeURIComponent('ὀδυσσεύς')}&filter_case_sensitive=false`, odysseus)).toBe(
      true,
    );
    expect(keeps(`filter=${encodeURIComponent('ὀδυσσεύς')}`, odysseus)).toBe(false);
    const ja = { ...cnn, title: '東京で選挙', summary: undefined };
    expect(keeps(`filter=${encodeURIComponent('東京')}`, ja)).toBe(true);
  });
  it('looks at the first MAX_FIELD_CHARS characters of a field only', () => {
    const long = { ...cnn, summary: `${'x'.repeat(MAX_FIELD_CHARS - 20)} early ${'y'.repeat(100)} late` };
    expect(keeps('filter_description=early', long)).toBe(true);
    expect(keeps('filter_description=late', long)).toBe(false);
  });
  it('a value that the URL decodes to U+FFFD is just text', () => {
    expect(keeps('filter=%ED%A0%80', cnn)).toBe(false);
  });
});
