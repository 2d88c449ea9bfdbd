import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slugPath, topicSlug } from '../../../shared/article/slug.js';

describe('topicSlug', () => {
  it.each([
    ['Democratic Voice', 'democratic-voice'],
    ['democratic voice', 'democratic-voice'],
    ['DEMOCRATIC   VOICE!', 'democratic-voice'],
    ['Économie', 'economie'],
    ['Straße & Verkehr', 'strasse-verkehr'],
    ['Łódź', 'lodz'],
    ['Ærø', 'aero'],
    ['C++ / Rust', 'c-rust'],
    ['  --Joe Biden--  ', 'joe-biden'],
    ['北朝鮮', '北朝鮮'],
    ['ガザ地区', 'ガザ地区'],
    ['Россия', 'россия'],
    ['2021 Election', '2021-election'],
    ['ＡＢＣ', 'abc'],
  ])('%s -> %s', (name, slug) => {
    expect(topicSlug(name)).toBe(slug);
  });

  it('keeps marks that change letters in other scripts (kana voicing)', () => {
    // が (ka + voicing mark) must not become か.
    expect(topicSlug('がか')).toBe('がか');
  });

  it('is empty for names without letters or digits', () => {
    expect(topicSlug('!!! ???')).toBe('');
  });

  it('never starts with "_" so no topic can take the all-articles slug', () => {
    expect(topicSlug('_all')).toBe('all');
  });

  it('percent-encodes non-Latin slugs for URLs', () => {
    expect(slugPath('北朝鮮')).toBe('%E5%8C%97%E6%9C%9D%E9%AE%AE');
  });

  it('is idempotent, case-insensitive and path-safe for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (name) => {
        const slug = topicSlug(name);
        expect(topicSlug(slug)).toBe(slug);
        expect(topicSlug(name.toUpperCase())).toBe(topicSlug(name.toLowerCase()));
        expect(slug).not.toMatch(/[\s/?#%&]/);
        expect(slug).not.toMatch(/^-|-$/);
      }),
    );
  });
});
