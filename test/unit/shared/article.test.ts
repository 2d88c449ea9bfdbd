import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../../shared/article/article.js';
import { parseDateTime } from '../../../shared/article/schema.js';
import { InvalidArticleError } from '../../../shared/errors.js';
import { articleFile } from '../../support/articles.js';

const seed = (name: string) => readFileSync(new URL(`../../../examples/news/${name}`, import.meta.url));

const reasonOf = (content: string | Uint8Array): string => {
  try {
    parseArticle(content);
  } catch (e) {
    if (e instanceof InvalidArticleError) return e.reason;
    throw e;
  }
  throw new Error('expected a rejection');
};

describe('parseArticle on the real seeds', () => {
  it('reads the CNN seed with every field the feeds show', () => {
    const { article, warnings } = parseArticle(seed('000_42a9ccb4655f28ab.txt'));
    expect(warnings).toEqual([]);
    expect(article.published).toBe(true);
    expect(article.entry).toMatchObject({
      title: 'Biden administration started outreach to North Korea last month, but country is unresponsive',
      url: 'http://rss.cnn.com/~r/rss/cnn_allpolitics/~3/Tj-DkT-8t5c/index.html',
      published: '2021-03-14T01:27:54.000Z',
      provider: { name: 'CNN', domain: 'cnn.com' },
      topics: [
        { slug: 'election', name: 'Election' },
        { slug: 'democratic-voice', name: 'Democratic Voice' },
      ],
      image: {
        url: 'https://cdn.cnn.com/cnnnext/dam/assets/210313182809-biden-north-korea-super-tease.jpg',
        width: 1100,
        height: 619,
        type: 'image/jpeg',
      },
      category: 'news',
      type: 'article',
      quality: 164,
      heat: 184,
    });
    // The excerpt's trailing "\n    \n" is folded away.
    expect(article.entry.summary).toMatch(/unresponsive\.$/);
    expect(article.entry.contentHtml).toBeUndefined(); // the seed's body is empty
    expect(article.entry.related).toHaveLength(1);
    expect(article.entry.related[0]).toMatchObject({
      provider: 'CNN',
      publishedDateTime: '2021-03-18T00:06:30.000Z',
    });
    expect(article.entry.id).toBe(`urn:uuid:${article.articleId}`);
  });

  it('reads the Reuters seed, whose image URL has no extension (no MIME type guessed)', () => {
    const { article } = parseArticle(seed('003_4ef24a830c11deb2.txt'));
    expect(article.entry.related).toHaveLength(4);
    expect(article.entry.image?.type).toBeUndefined();
    expect(article.entry.topics.map((t) => t.slug)).toEqual(['election', 'joe-biden']);
  });

  it('gives the same id for the same link, whatever its fragment or tracking parameters', () => {
    const a = parseArticle(
      articleFile({ webUrl: 'https://Example.com:443/a?x=1&utm_source=rss#top' }),
    ).article;
    const b = parseArticle(articleFile({ webUrl: 'https://example.com/a?x=1' })).article;
    expect(a.articleId).toBe(b.articleId);
    expect(a.entry.url).toBe('https://example.com/a?x=1&utm_source=rss#top');
    // RFC 4122 version 5, variant 10xx
    expect(a.articleId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('parseArticle accepts the format with its warts', () => {
  it('accepts a UTF-8 BOM and CRLF line endings', () => {
    const text = `\uFEFF${articleFile({ body: '# Heading\n\nText.' }).replace(/\n/g, '\r\n')}`;
    const { article } = parseArticle(Buffer.from(text));
    expect(article.entry.title).toBe('A title');
    expect(article.entry.contentHtml).toBe('<h1>Heading</h1>\n<p>Text.</p>');
  });

  it('keeps timestamps as strings and stores them in UTC', () => {
    expect(parseDateTime('2021-03-14T01:27:54Z')).toBe('2021-03-14T01:27:54.000Z');
    expect(parseDateTime('2021-03-14T03:27:54+02:00')).toBe('2021-03-14T01:27:54.000Z');
    expect(parseDateTime('2021-03-13T20:27:54-0500')).toBe('2021-03-14T01:27:54.000Z');
    expect(parseDateTime('2021-03-14 01:27:54')).toBe('2021-03-14T01:27:54.000Z');
    expect(parseDateTime('2021-03-14T01:27:54.123456Z')).toBe('2021-03-14T01:27:54.123Z');
    expect(parseDateTime('2021-03-14')).toBe('2021-03-14T00:00:00.000Z');
    expect(parseDateTime('2021-02-30T00:00:00Z')).toBeUndefined();
    expect(parseDateTime('14/03/2021')).toBeUndefined();
    expect(parseDateTime('1615685274')).toBeUndefined();
  });

  it('folds topics that differ only in case and keeps the first spelling', () => {
    const { article } = parseArticle(
      articleFile({ topics: ['Democratic Voice', 'democratic voice', 'Économie'] }),
    );
    expect(article.entry.topics).toEqual([
      { slug: 'democratic-voice', name: 'Democratic Voice' },
      { slug: 'economie', name: 'Économie' },
    ]);
  });

  it('accepts a single topic given as text, and drops topics without letters with a warning', () => {
    const { article, warnings } = parseArticle(
      articleFile({ topics: [] }).replace('topics:', 'topics: Election'),
    );
    expect(article.entry.topics).toEqual([{ slug: 'election', name: 'Election' }]);
    const other = parseArticle(articleFile({ topics: ['???', 'Election'] }));
    expect(other.article.entry.topics).toHaveLength(1);
    expect(other.warnings[0]).toMatch(/"\?\?\?"/);
    expect(warnings).toEqual([]);
  });

  it('reads published: false (and "no") as unpublished', () => {
    expect(parseArticle(articleFile({ published: false })).article.published).toBe(false);
    expect(parseArticle(articleFile({ extra: 'published: "no"' })).article.published).toBe(false);
    expect(parseArticle(articleFile()).article.published).toBe(true);
  });

  it('falls back to originalUrl when webUrl is absent', () => {
    const text = articleFile().replace(/^webUrl: .*$/m, 'originalUrl: "https://orig.example.org/x"');
    expect(parseArticle(text).article.entry.url).toBe('https://orig.example.org/x');
  });

  it('strips XML-illegal control characters and trims text', () => {
    const { article } = parseArticle(
      articleFile({ title: '  Bad\u0001 \u000bchars\u0000\uFFFE here ', excerpt: 'e\u0008x' }),
    );
    expect(article.entry.title).toBe('Bad chars here');
    expect(article.entry.summary).toBe('ex');
  });

  it('renders markdown without passing raw HTML or unsafe links through', () => {
    const body = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[click](javascript:alert(1)) [ok](https://example.com/) [mail](mailto:a@example.com)',
      '![img](data:text/html;base64,PHNjcmlwdD4=)',
    ].join('\n\n');
    const html = parseArticle(articleFile({ body })).article.entry.contentHtml ?? '';
    // No tag from the markdown's raw HTML, no event handler attribute inside any tag, no unsafe URL.
    expect(html).not.toMatch(/<script|<img|<[^>]*\son\w+=|href="javascript|src="data:text/i);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="https://example.com/">ok</a>');
    expect(html).toContain('<a href="mailto:a@example.com">mail</a>');
  });

  it('keeps __proto__ and constructor keys inert', () => {
    const text = articleFile({
      extra: '__proto__:\n  polluted: yes\nconstructor:\n  prototype:\n    polluted: yes',
    });
    const { article } = parseArticle(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(article.entry)).toBe(Object.prototype);
    expect(article.entry.title).toBe('A title');
  });

  it('drops invalid optional fields with a warning instead of rejecting the article', () => {
    const { article, warnings } = parseArticle(
      articleFile({
        extra: 'quality: high\nimages:\n  - url: "not a url"\n  - url: "https://img.example.com/a.PNG"',
      }),
    );
    expect(article.entry.quality).toBeUndefined();
    expect(article.entry.image).toMatchObject({ url: 'https://img.example.com/a.PNG', type: 'image/png' });
    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^images: ignored "not a url"/),
        'quality: ignored, not a number',
      ]),
    );
  });
});

describe('parseArticle rejects with a reason a person can act on', () => {
  it.each<[string, string | Uint8Array, RegExp]>([
    ['an empty file', '', /the file is empty/],
    ['a binary file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), /NUL bytes.*binary/],
    ['invalid UTF-8', Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xc3, 0x28, 0x0a]), /not valid UTF-8/],
    ['no front matter', 'Just some text\nwithout fields', /no front matter.*"---"/],
    ['front matter that is not YAML', '---\ntitle: [unclosed\n---\n', /not valid YAML/],
    ['front matter that is a list', '---\n- a\n- b\n---\n', /must be a YAML mapping/],
    ['empty front matter', '---\n---\nbody', /front matter is empty/],
    ['a missing title', articleFile().replace(/^title: .*$/m, ''), /^title is missing$/],
    ['an empty title', articleFile({ title: '   ' }), /^title is empty$/],
    ['a very long title', articleFile({ title: 'x'.repeat(1001) }), /longer than 1,000 characters/],
    ['a missing link', articleFile().replace(/^webUrl: .*$/m, ''), /a link is missing: set webUrl/],
    [
      'a relative link',
      articleFile({ webUrl: '/2021/a' }),
      /webUrl "\/2021\/a" is not an absolute http\(s\) URL/,
    ],
    ['a javascript: link', articleFile({ webUrl: 'javascript:alert(1)' }), /not an absolute http\(s\) URL/],
    [
      'a missing date',
      articleFile().replace(/^publishedDateTime: .*$/m, ''),
      /^publishedDateTime is missing$/,
    ],
    [
      'a date that is not a date',
      articleFile({ publishedDateTime: 'yesterday' }),
      /"yesterday" is not a date/,
    ],
    [
      'published that is not a boolean',
      articleFile({ extra: 'published: maybe' }),
      /published must be true or false/,
    ],
    [
      'ten thousand topics',
      articleFile({ topics: Array.from({ length: 10_000 }, (_, i) => `t${i}`) }),
      /topics lists 10,000 topics; at most 50/,
    ],
  ])('%s', (_name, content, reason) => {
    expect(reasonOf(content)).toMatch(reason);
  });

  it('an alias bomb, quickly', () => {
    let yaml = '---\ntitle: x\nwebUrl: "http://a.example/"\npublishedDateTime: 2021-01-01\nl0: &l0 ["x"]\n';
    for (let i = 1; i <= 16; i++) yaml += `l${i}: &l${i} [*l${i - 1},*l${i - 1},*l${i - 1}]\n`;
    expect(reasonOf(`${yaml}topics: *l16\n---\n`)).toMatch(/more than 20 YAML aliases/);
  });

  it('deep nesting', () => {
    const nested = `${'['.repeat(200)}${']'.repeat(200)}`;
    expect(reasonOf(articleFile({ extra: `deep: ${nested}` }))).toMatch(/deeper than 32 levels/);
  });

  it('a reason quoting the value is valid UTF-8: never half an astral character, no lone surrogate', () => {
    // Cut at 100 UTF-16 units, the 100th being the first half of an emoji; and a lone surrogate from YAML.
    const cut = reasonOf(articleFile({ webUrl: `a${'😀'.repeat(60)}` }));
    expect(cut).toMatch(/^webUrl "a(😀){49}…" is not an absolute/);
    const lone = reasonOf(articleFile().replace(/^webUrl: .*$/m, 'webUrl: "x\\ud800y"'));
    expect(lone).toMatch(/^webUrl "xy" is not an absolute/);
    for (const reason of [cut, lone]) expect(Buffer.from(reason).toString()).toBe(reason);
  });
});

describe('parseArticle never crashes', () => {
  const outcome = (content: string | Uint8Array) => {
    try {
      return parseArticle(content).article;
    } catch (e) {
      if (e instanceof InvalidArticleError) return e;
      throw e;
    }
  };

  it('arbitrary bytes end as an article or a rejection', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const r = outcome(bytes);
        expect(r instanceof InvalidArticleError || typeof r.articleId === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary front matter ends as an article or a rejection', () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.date({ noInvalidDate: true }),
    );
    const fields = fc.record(
      {
        title: value,
        webUrl: fc.oneof(fc.webUrl(), value),
        publishedDateTime: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          value,
        ),
        topics: fc.oneof(fc.array(value, { maxLength: 60 }), value),
        images: fc.array(fc.record({ url: fc.oneof(fc.webUrl(), value), width: value }), { maxLength: 3 }),
        related: fc.array(fc.dictionary(fc.string(), value), { maxLength: 3 }),
        published: value,
        extra: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fields, fc.string(), (data, body) => {
        const yaml = dump(data, { skipInvalid: true });
        const r = outcome(`---\n${yaml}---\n${body}`);
        if (!(r instanceof InvalidArticleError)) {
          expect(r.entry.title.length).toBeGreaterThan(0);
          expect(r.entry.url).toMatch(/^https?:\/\//);
          expect(r.entry.published).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});
