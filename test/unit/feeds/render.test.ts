/**
 * The renderers, checked by parsers that share no code with them: fast-xml-parser (and its validator),
 * rss-parser (xml2js on sax in strict mode), JSON.parse. Hostile strings, and random ones from fast-check,
 * must never produce malformed or misleading output.
 */
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../../shared/feeds/render/atom.js';
import { renderJson } from '../../../shared/feeds/render/json.js';
import { renderRss } from '../../../shared/feeds/render/rss.js';
import { BASE, entry, feedDocument } from '../../support/feeds-fixtures.js';

const parser = (arrays: string[]) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => arrays.includes(name),
  });
const rssXml = parser(['item', 'category', 'atom:link']);
const atomXml = parser(['entry', 'category', 'link']);

// XML 1.0 Char production, negated.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function wellFormed(out: string) {
  expect(XMLValidator.validate(out)).toBe(true);
  expect(NOT_XML_CHAR.test(out)).toBe(false);
}

const decodeHtml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is untyped.
type Node = any;
const rssItems = (out: string): Node[] => rssXml.parse(out).rss.channel.item ?? [];
const atomEntries = (out: string): Node[] => atomXml.parse(out).feed.entry ?? [];
const textOf = (n: Node): string => (typeof n === 'string' ? n : (n?.['#text'] ?? ''));

describe('RSS 2.0', () => {
  it('has the channel metadata, self and next links, and one item per entry, newest date as lastBuildDate', () => {
    const out = renderRss(
      feedDocument([entry(2), entry(1)], {
        next: { rss: `${BASE}/topics/election/rss.xml?limit=2&cursor=abc`, atom: '', json: '' },
      }),
    );
    wellFormed(out);
    const root = rssXml.parse(out).rss;
    expect(root['@version']).toBe('2.0');
    expect(root['@xmlns:media']).toBe('http://search.yahoo.com/mrss/');
    const ch = root.channel;
    expect(ch.title).toBe('Election · Example feeds');
    expect(ch.link).toBe(`${BASE}/topics/election`);
    expect(ch.lastBuildDate).toBe('Sun, 14 Mar 2021 03:27:54 GMT');
    expect(ch.ttl).toBe('5');
    expect(ch['atom:link']).toEqual([
      { '@href': `${BASE}/topics/election/rss.xml`, '@rel': 'self', '@type': 'application/rss+xml' },
      {
        '@href': `${BASE}/topics/election/rss.xml?limit=2&cursor=abc`,
        '@rel': 'next',
        '@type': 'application/rss+xml',
      },
    ]);
    const [first] = ch.item;
    expect(first.title).toBe('Story number 2');
    expect(first.link).toBe('https://news.example.com/2021/03/story-2');
    expect(first.guid).toEqual({ '#text': entry(2).id, '@isPermaLink': 'false' });
    expect(first.pubDate).toBe('Sun, 14 Mar 2021 03:27:54 GMT');
    expect(first.description).toBe('<p>What happened in story 2.</p>');
    expect(first['dc:creator']).toBe('Example News');
    expect(first.category).toEqual(['Election']);
    expect(first.enclosure).toEqual({
      '@url': 'https://img.example.com/2.jpg',
      '@type': 'image/jpeg',
      '@length': '0',
    });
    expect(first['media:content']).toMatchObject({
      '@url': 'https://img.example.com/2.jpg',
      '@medium': 'image',
      '@type': 'image/jpeg',
      '@width': '800',
      '@height': '450',
    });
    expect(first.author).toBeUndefined();
  });

  it('is read the same way by rss-parser', async () => {
    const feed = await new Parser().parseString(renderRss(feedDocument([entry(2), entry(1)])));
    expect(feed.title).toBe('Election · Example feeds');
    expect(feed.items.map((i) => [i.title, i.guid, i.isoDate])).toEqual([
      ['Story number 2', entry(2).id, '2021-03-14T03:27:54.000Z'],
      ['Story number 1', entry(1).id, '2021-03-14T02:27:54.000Z'],
    ]);
  });

  it('carries the body and related articles in content:encoded, after the excerpt in description', () => {
    const out = renderRss(
      feedDocument([
        entry(1, {
          contentHtml: '<p>Full <em>story</em>, see <a href="/more">more</a>.</p>',
          related: [
            { title: 'Earlier & related', url: 'https://other.example.com/a?x=1&y=2', provider: 'Other' },
          ],
        }),
      ]),
    );
    wellFormed(out);
    const [item] = rssItems(out);
    expect(item.description).toBe('<p>What happened in story 1.</p>');
    const content = item['content:encoded'];
    // The relative link resolves against the article's own link.
    expect(content).toContain('<a href="https://news.example.com/more">more</a>');
    expect(content).toContain(
      '<a href="https://other.example.com/a?x=1&amp;y=2">Earlier &amp; related</a> (Other)',
    );
  });

  it('leaves out the enclosure when the image MIME type is unknown, keeping media:content', () => {
    const out = renderRss(feedDocument([entry(1, { image: { url: 'https://img.example.com/r/?id=5' } })]));
    const [item] = rssItems(out);
    expect(item.enclosure).toBeUndefined();
    expect(item['media:content']).toMatchObject({
      '@url': 'https://img.example.com/r/?id=5',
      '@medium': 'image',
    });
  });

  it('takes no date from a clock: the same entries give the same bytes, an empty feed its last change', () => {
    expect(renderRss(feedDocument([entry(1)]))).toBe(renderRss(feedDocument([entry(1)])));
    const empty = rssXml.parse(renderRss(feedDocument([]))).rss.channel;
    expect(empty.lastBuildDate).toBe('Thu, 01 Apr 2021 00:00:00 GMT');
  });
});

describe('Atom 1.0', () => {
  it('has id, updated, author, self and next links, entries with ids, dates, author and categories', () => {
    const out = renderAtom(
      feedDocument([entry(2), entry(1)], {
        next: { rss: '', atom: `${BASE}/topics/election/atom.xml?cursor=abc`, json: '' },
      }),
    );
    wellFormed(out);
    const feed = atomXml.parse(out).feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(feed['@xmlns:media']).toBe('http://search.yahoo.com/mrss/');
    expect(feed.id).toBe(`${BASE}/topics/election/atom.xml`);
    expect(feed.updated).toBe('2021-03-14T03:27:54.000Z');
    expect(feed.author.name).toBe('Example feeds');
    const links = Object.fromEntries(feed.link.map((l: Node) => [l['@rel'], l['@href']]));
    expect(links).toEqual({
      alternate: `${BASE}/topics/election`,
      self: `${BASE}/topics/election/atom.xml`,
      next: `${BASE}/topics/election/atom.xml?cursor=abc`,
    });
    const [first] = feed.entry;
    expect(first.id).toBe(entry(2).id);
    expect(first.updated).toBe('2021-03-14T03:27:54.000Z');
    expect(first.published).toBe('2021-03-14T03:27:54.000Z');
    expect(first.author).toMatchObject({ name: 'Example News', uri: 'https://example.com/' });
    expect(first.category).toEqual([
      { '@term': 'election', '@label': 'Election', '@scheme': `${BASE}/topics/` },
    ]);
    const enclosure = first.link.find((l: Node) => l['@rel'] === 'enclosure');
    expect(enclosure).toEqual({
      '@rel': 'enclosure',
      '@href': 'https://img.example.com/2.jpg',
      '@type': 'image/jpeg',
    });
    expect(first['media:content']['@url']).toBe('https://img.example.com/2.jpg');
  });

  it('types titles html and escapes them, so markup in a plain title is shown, never run', () => {
    const out = renderAtom(feedDocument([entry(1, { title: '<script>alert(1)</script> & <b>bold</b>' })]));
    wellFormed(out);
    const [e] = atomEntries(out);
    expect(e.title['@type']).toBe('html');
    expect(decodeHtml(textOf(e.title))).toBe('<script>alert(1)</script> & <b>bold</b>');
    expect(textOf(e.title)).not.toContain('<script');
  });

  it('is read the same way by rss-parser', async () => {
    const feed = await new Parser().parseString(renderAtom(feedDocument([entry(2), entry(1)])));
    expect(feed.items.map((i) => [i.title, i.id, i.link])).toEqual([
      ['Story number 2', entry(2).id, entry(2).url],
      ['Story number 1', entry(1).id, entry(1).url],
    ]);
  });
});

describe('JSON Feed 1.1', () => {
  it('declares 1.1, uses authors, next_url, and gives every item id, url, title, content and dates', () => {
    const out = JSON.parse(
      renderJson(
        feedDocument([entry(2), entry(1)], { next: { rss: '', atom: '', json: `${BASE}/next.json` } }),
      ),
    );
    expect(out.version).toBe('https://jsonfeed.org/version/1.1');
    expect(out.feed_url).toBe(`${BASE}/topics/election/feed.json`);
    expect(out.home_page_url).toBe(`${BASE}/topics/election`);
    expect(out.next_url).toBe(`${BASE}/next.json`);
    expect(out.authors).toEqual([{ name: 'Example feeds' }]);
    expect(out.author).toBeUndefined();
    expect(out.items[0]).toEqual({
      id: entry(2).id,
      url: entry(2).url,
      title: 'Story number 2',
      summary: 'What happened in story 2.',
      content_html: '<p>What happened in story 2.</p>',
      image: 'https://img.example.com/2.jpg',
      date_published: '2021-03-14T03:27:54.000Z',
      date_modified: '2021-03-14T03:27:54.000Z',
      authors: [{ name: 'Example News', url: 'https://example.com/' }],
      tags: ['Election'],
    });
  });

  it('always has content, even for an article with no excerpt, body or related articles', () => {
    const out = JSON.parse(renderJson(feedDocument([entry(1, { summary: undefined, image: undefined })])));
    expect(out.items[0].content_html).toBe(`<p><a href="${entry(1).url}">Story number 1</a></p>`);
    expect(out.items[0].summary).toBeUndefined();
  });
});

describe('snapshots from fixed data', () => {
  const fixed = () => [
    entry(3, {
      contentHtml: '<p>Body of <strong>three</strong>.</p>',
      related: [
        {
          title: 'Two',
          url: 'https://news.example.com/2021/03/story-2',
          publishedDateTime: '2021-03-14T03:27:54Z',
        },
      ],
      topics: [
        { slug: 'election', name: 'Election' },
        { slug: '北朝鮮', name: '北朝鮮' },
      ],
    }),
    entry(2, { image: undefined, provider: undefined }),
  ];
  it('RSS', () => expect(renderRss(feedDocument(fixed()))).toMatchSnapshot());
  it('Atom', () => expect(renderAtom(feedDocument(fixed()))).toMatchSnapshot());
  it('JSON Feed', () => expect(JSON.parse(renderJson(feedDocument(fixed())))).toMatchSnapshot());
});

describe('hostile articles', () => {
  const hostile = () =>
    entry(1, {
      title: 'A ]]> B ]]> C <![CDATA[ x ]]> & &amp; "q" \u0000\u000b\u001f\ufffe\ud800 end',
      summary: 'Sum ]]> ]]> <script>alert(1)</script> &lt;',
      url: 'javascript:alert(1)',
      contentHtml: '<p onclick="x()">evil</p><script>alert(1)</script>',
      provider: { name: '<b>Prov</b> & "co"', domain: 'evil.com"><script>' },
      topics: [{ slug: 'a"<b>&', name: 'Name "<>& ]]>' }],
      image: {
        url: 'https://img.example.com/a b|c^[d]{e}.png?x=<1>&y="2"',
        type: 'image/png"><x',
        width: -5,
      },
      related: [{ title: 'R ]]> <i>', url: 'data:text/html,<script>' }],
    });

  it('RSS stays well-formed and shows the title exactly, without the characters XML cannot carry', () => {
    const out = renderRss(feedDocument([hostile(), entry(2)]));
    wellFormed(out);
    const [item] = rssItems(out);
    expect(item.title).toBe('A ]]> B ]]> C <![CDATA[ x ]]> & &amp; "q" end');
    // A link that is not http(s) falls back to the article's place on its topic page.
    expect(item.link).toMatch(new RegExp(`^${BASE}/topics/a%22%3Cb%3E%26#a-`));
    const summary = '<p>Sum ]]&gt; ]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;</p>';
    expect(item.description).toBe(summary);
    // The body with a script and an event handler is not shown; the related article is, as text.
    expect(item['content:encoded']).toBe(
      `${summary}\n<p><strong>Related</strong></p><ul><li>R ]]&gt; &lt;i&gt;</li></ul>`,
    );
    expect(item.category).toEqual(['Name "<>& ]]>']);
    expect(item['dc:creator']).toBe('<b>Prov</b> & "co"');
    // A malformed MIME type is dropped, and the enclosure with it; the URL is made a strict URI.
    expect(item.enclosure).toBeUndefined();
    expect(item['media:content']['@url']).toBe(
      'https://img.example.com/a%20b%7Cc%5E%5Bd%5D%7Be%7D.png?x=%3C1%3E&y=%222%22',
    );
    expect(item['media:content']['@width']).toBeUndefined();
  });

  it('Atom stays well-formed, valid in structure, with attributes escaped', () => {
    const out = renderAtom(feedDocument([hostile()]));
    wellFormed(out);
    const [e] = atomEntries(out);
    expect(decodeHtml(textOf(e.title))).toBe('A ]]> B ]]> C <![CDATA[ x ]]> & &amp; "q" end');
    expect(e.category).toEqual([
      { '@term': 'a"<b>&', '@label': 'Name "<>& ]]>', '@scheme': `${BASE}/topics/` },
    ]);
    expect(e.author.name).toBe('<b>Prov</b> & "co"');
    expect(e.author.uri).toBeUndefined();
    // The unsafe body is not shown; the related article is, as text (its data: URL is no link).
    expect(textOf(e.content)).toBe(
      '<p>Sum ]]&gt; ]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;</p>\n' +
        '<p><strong>Related</strong></p><ul><li>R ]]&gt; &lt;i&gt;</li></ul>',
    );
  });

  it('JSON keeps the text and drops what is unsafe', () => {
    const out = JSON.parse(renderJson(feedDocument([hostile()])));
    const [item] = out.items;
    expect(item.title).toBe('A ]]> B ]]> C <![CDATA[ x ]]> & &amp; "q" end');
    expect(item.content_html).not.toMatch(/<script|onclick/);
    expect(item.url).toMatch(/^https:\/\/feeds\.example\.org\/topics\//);
  });
});

// ---- properties ----

const TOKENS = [
  ']]>',
  ']]',
  '>',
  '<',
  '&',
  '&amp;',
  '&lt;',
  '"',
  "'",
  '\u0000',
  '\u0001',
  '\u0002',
  '\u0004',
  '\u000b',
  '\ud800',
  '\udfff',
  '\ufffe',
  '\u0085',
  '<script>',
  '</title>',
  '<![CDATA[',
  '\n',
  '\t',
  ' ',
  'é',
  '北',
  '😀',
];
const nasty = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 12 })
  .map((parts) => parts.join(''));
const maybeUrl = fc.oneof(
  nasty,
  nasty.map((s) => `https://example.com/${s}`),
  nasty.map((s) => `http://ex.com/?q=${s}#${s}`),
  fc.webUrl(),
);

const arbitraryEntry = fc
  .record({
    n: fc.integer({ min: 0, max: 100_000 }),
    title: nasty,
    summary: fc.option(nasty, { nil: undefined }),
    url: maybeUrl,
    contentHtml: fc.option(nasty, { nil: undefined }),
    provider: fc.option(fc.record({ name: nasty, domain: nasty }), { nil: undefined }),
    topics: fc.array(fc.record({ slug: nasty, name: nasty }), { maxLength: 3 }),
    image: fc.option(fc.record({ url: maybeUrl, type: fc.option(nasty, { nil: undefined }) }), {
      nil: undefined,
    }),
    related: fc.array(fc.record({ title: nasty, url: maybeUrl }), { maxLength: 2 }),
    published: fc.oneof(
      nasty,
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
  })
  .map(({ n, ...fields }) => entry(n, { ...fields, updated: fields.published }));

describe('any article, however hostile', () => {
  it('renders well-formed RSS whose titles and links read back as prepared', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEntry, { maxLength: 4 }), (entries) => {
        const d = feedDocument(entries);
        const out = renderRss(d);
        wellFormed(out);
        const items = rssItems(out);
        expect(items.map((i) => i.title)).toEqual(d.entries.map((e) => e.title));
        expect(items.map((i) => i.link)).toEqual(d.entries.map((e) => e.link));
        for (const i of items) expect(() => new URL(i.link)).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });

  it('renders well-formed Atom whose escaped titles decode to the text', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEntry, { maxLength: 4 }), (entries) => {
        const d = feedDocument(entries);
        const out = renderAtom(d);
        wellFormed(out);
        const parsed = atomEntries(out);
        expect(parsed.map((e) => decodeHtml(textOf(e.title)))).toEqual(d.entries.map((e) => e.title));
        expect(parsed.map((e) => e.id)).toEqual(d.entries.map((e) => e.id));
      }),
      { numRuns: 150 },
    );
  });

  it('renders JSON Feed with the same titles', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEntry, { maxLength: 4 }), (entries) => {
        const d = feedDocument(entries);
        const out = JSON.parse(renderJson(d));
        expect(out.items.map((i: Node) => i.title)).toEqual(d.entries.map((e) => e.title));
        for (const i of out.items) {
          expect(typeof i.content_html).toBe('string');
          expect(i.content_html.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a plain title exactly as given', () => {
    const plainTitle = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .map((s) => s.replace(/\s+/g, ' ').trim())
      .filter((s) => s.length > 0);
    fc.assert(
      fc.property(plainTitle, (title) => {
        const d = feedDocument([entry(1, { title })]);
        expect(rssItems(renderRss(d))[0].title).toBe(title);
        expect(decodeHtml(textOf(atomEntries(renderAtom(d))[0].title))).toBe(title);
        expect(JSON.parse(renderJson(d)).items[0].title).toBe(title);
      }),
      { numRuns: 150 },
    );
  });
});
