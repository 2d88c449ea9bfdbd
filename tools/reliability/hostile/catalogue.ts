/**
 * A fixed catalogue of hostile article files: what an attacker, a broken editor or a confused script could
 * drop into the bucket. Each entry says what must become of it: an article (rendered safely), or a rejection
 * whose reason matches. Built deterministically at run time (no fixture files), so the same bytes every run.
 */
import { prng } from '../../bench/corpus.js';
import { HOSTILE_HTTP_URLS, HOSTILE_MARKDOWN, PWNED, SCRIPT_PAYLOADS, SCRIPT_URLS } from './payloads.js';

export interface HostileFile {
  /** Short name, unique in the catalogue. */
  name: string;
  /** What the file tries. */
  what: string;
  /** Bucket key. */
  key: string;
  body: Buffer;
  /** What must become of it; `either` when both are defensible, as long as it ends one way, with a reason. */
  expect: 'article' | 'rejected' | 'either';
  /** For rejections: what the reason must say. */
  reason?: RegExp;
}

const json = (v: unknown) => JSON.stringify(v);

/** Front matter with each field written as JSON (valid YAML), then the body. */
export function frontMatter(fields: Record<string, unknown>, body = ''): string {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${json(v)}`);
  return `---\n${lines.join('\n')}\n---\n${body}`;
}

let serial = 0;
/** The fields every valid article needs, with a distinct link per call. */
export function validFields(extra: Record<string, unknown> = {}): Record<string, unknown> {
  serial++;
  return {
    title: `Hostile catalogue article ${serial}`,
    webUrl: `https://news.example.com/hostile/${serial}`,
    publishedDateTime: `2021-03-${String((serial % 28) + 1).padStart(2, '0')}T01:27:54Z`,
    topics: ['Hostile input'],
    ...extra,
  };
}

const text = (s: string) => Buffer.from(s, 'utf8');
const payload = (i: number) => SCRIPT_PAYLOADS[i % SCRIPT_PAYLOADS.length] as string;

/** A valid file whose title bytes are replaced by raw bytes. */
function withRawTitle(raw: Buffer): Buffer {
  const [head, tail] = frontMatter(validFields({ title: 'TITLE' })).split('"TITLE"') as [string, string];
  return Buffer.concat([text(head), raw, text(tail)]);
}

function randomBytes(n: number, seed: number): Buffer {
  const rng = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

function aliasBomb(levels: number, width: number): string {
  const lines = [`l0: &l0 ["${'lol'.repeat(4)}"]`];
  for (let i = 1; i < levels; i++) {
    lines.push(`l${i}: &l${i} [${Array.from({ length: width }, () => `*l${i - 1}`).join(', ')}]`);
  }
  return lines.join('\n');
}

function deepBlockMapping(levels: number): string {
  return `${Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}deep${i}:`).join('\n')} end`;
}

export function hostileCatalogue(): HostileFile[] {
  serial = 0;
  const files: HostileFile[] = [];
  const add = (f: Omit<HostileFile, 'key'> & { key?: string }) =>
    files.push({ key: `hostile/${f.name}.md`, ...f });

  // ---- not text at all ----
  add({
    name: 'random-bytes',
    what: '64 KB of random bytes',
    body: randomBytes(64 * 1024, 7),
    expect: 'rejected',
    reason: /NUL|UTF-8/,
  });
  add({ name: 'empty', what: 'an empty file', body: Buffer.alloc(0), expect: 'rejected', reason: /empty/ });
  add({
    name: 'whitespace',
    what: 'only blank lines',
    body: text(' \n\t\n\n'),
    expect: 'rejected',
    reason: /empty/,
  });
  add({
    name: 'binary-png',
    what: 'a PNG image renamed .md',
    body: Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(512, 8)]),
    expect: 'rejected',
    reason: /NUL|UTF-8/,
  });
  add({
    name: 'utf16',
    what: 'valid front matter saved as UTF-16 with a BOM',
    body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(frontMatter(validFields()), 'utf16le')]),
    expect: 'rejected',
    reason: /NUL|UTF-8/,
  });
  add({
    name: 'invalid-utf8',
    what: 'a title with a broken UTF-8 sequence',
    body: withRawTitle(Buffer.from([0x22, 0x41, 0xc3, 0x28, 0x42, 0x22])),
    expect: 'rejected',
    reason: /UTF-8/,
  });
  add({
    name: 'overlong-utf8',
    what: 'an overlong UTF-8 encoding of "/" (a classic filter bypass)',
    body: withRawTitle(Buffer.from([0x22, 0x2e, 0x2e, 0xc0, 0xaf, 0x22])),
    expect: 'rejected',
    reason: /UTF-8/,
  });
  add({
    name: 'latin1',
    what: 'a file saved as Windows-1252 (é as one byte)',
    body: withRawTitle(Buffer.from([0x22, 0x43, 0x61, 0x66, 0xe9, 0x22])),
    expect: 'rejected',
    reason: /UTF-8/,
  });
  add({
    name: 'nul-bytes',
    what: 'NUL bytes inside the title',
    body: withRawTitle(Buffer.from([0x22, 0x61, 0x00, 0x62, 0x00, 0x22])),
    expect: 'rejected',
    reason: /NUL/,
  });

  // ---- broken or abusive front matter ----
  add({
    name: 'no-front-matter',
    what: 'plain text with no front matter',
    body: text('Just some words.\n'),
    expect: 'rejected',
    reason: /front matter/,
  });
  add({
    name: 'unclosed',
    what: 'front matter never closed',
    body: text('---\ntitle: "x"\nwebUrl: "https://news.example.com/unclosed"\n'),
    expect: 'rejected',
  });
  add({
    name: 'not-a-mapping',
    what: 'front matter that is a list',
    body: text('---\n- a\n- b\n---\n'),
    expect: 'rejected',
    reason: /mapping/,
  });
  add({
    name: 'tabs',
    what: 'front matter indented with tabs',
    body: text('---\ntitle: x\nprovider:\n\tname: y\n---\n'),
    expect: 'rejected',
    reason: /YAML/,
  });
  add({
    name: 'duplicate-keys',
    what: 'the same key twice',
    body: text(`${frontMatter(validFields()).split('\n---\n')[0]}\ntitle: "again"\n---\n`),
    expect: 'rejected',
    reason: /YAML/,
  });
  add({
    name: 'js-function-tag',
    what: 'a !!js/function tag (code execution in unsafe YAML loaders)',
    body: text(`---\ntitle: !!js/function "function(){ return process.exit(1) }"\n---\n`),
    expect: 'rejected',
    reason: /YAML/,
  });
  for (const language of ['js', 'javascript', ' js']) {
    add({
      name: `front-matter-language-${language.trim()}${language.startsWith(' ') ? '-spaced' : ''}`,
      what: `front matter opened by "---${language}": gray-matter would evaluate it as JavaScript (eval); a valid article if it ran`,
      body: text(`---${language}\n${JSON.stringify(validFields())}\n---\n`),
      expect: 'rejected',
      reason: /no front matter/,
    });
  }
  add({
    name: 'python-tag',
    what: 'a !!python/object/apply tag',
    body: text(`---\ntitle: !!python/object/apply:os.system ["id"]\n---\n`),
    expect: 'rejected',
    reason: /YAML/,
  });
  add({
    name: 'alias-bomb',
    what: 'billion laughs: 9 levels of 9 aliases',
    body: text(`---\n${aliasBomb(9, 9)}\n${frontMatter(validFields()).slice(4)}`),
    expect: 'rejected',
    reason: /alias/,
  });
  add({
    name: 'merge-key-bomb',
    what: 'nested YAML merge keys (<<: *a) fanning out',
    body: text(
      `---\na: &a {x: 1, y: 2}\nb: &b {<<: [*a, *a, *a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b, *b, *b]}\nd: {<<: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}\n${frontMatter(validFields()).slice(4)}`,
    ),
    expect: 'rejected',
    reason: /alias/,
  });
  add({
    name: 'deep-flow',
    what: '10,000 nested flow sequences',
    body: text(
      `---\ndeep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n${frontMatter(validFields()).slice(4)}`,
    ),
    expect: 'rejected',
    reason: /deeper|nest/,
  });
  add({
    name: 'deep-block',
    what: '200 nested block mappings',
    body: text(`---\n${deepBlockMapping(200)}\n${frontMatter(validFields()).slice(4)}`),
    expect: 'rejected',
    reason: /deeper|nest/,
  });
  const manyKeys = Array.from({ length: 15_000 }, (_, i) => `k${i}: ${json(payload(i))}`);
  add({
    name: 'huge-front-matter',
    what: 'about 900 KB of front matter: 15,000 unknown keys, each a script payload',
    body: text(`---\n${manyKeys.join('\n')}\n${frontMatter(validFields()).slice(4)}`),
    expect: 'article',
  });
  add({
    name: 'huge-excerpt',
    what: 'a 900 KB excerpt',
    body: text(frontMatter(validFields({ excerpt: `${SCRIPT_PAYLOADS[0]} `.repeat(15_000) }))),
    expect: 'article',
  });
  add({
    name: 'oversize',
    what: 'a 2 MB file, over the 1 MB limit',
    body: text(frontMatter(validFields({ excerpt: 'x'.repeat(2 * 1024 * 1024) }))),
    expect: 'rejected',
    reason: /limit/,
  });

  // ---- prototype pollution ----
  add({
    name: 'proto-keys',
    what: '__proto__, constructor and prototype keys at every level',
    body: text(
      [
        '---',
        `__proto__: {polluted: "yes", ${PWNED}: "yes"}`,
        'constructor: {prototype: {polluted: "yes"}}',
        'prototype: {polluted: "yes"}',
        `provider: {__proto__: {polluted: "yes"}, name: "Proto News", constructor: {prototype: {polluted: "yes"}}}`,
        'images: [{__proto__: {url: "https://img.example.com/p.jpg"}, url: "https://img.example.com/q.jpg"}]',
        'related: [{__proto__: {title: "x"}, title: "Related", webUrl: "https://news.example.com/r"}]',
        ...Object.entries(validFields({ topics: ['__proto__', 'constructor', 'prototype', 'toString'] })).map(
          ([k, v]) => `${k}: ${json(v)}`,
        ),
        '---',
        '',
      ].join('\n'),
    ),
    expect: 'article',
  });

  // ---- sizes and counts ----
  add({
    name: 'ten-thousand-topics',
    what: 'ten thousand topics, each a script payload',
    body: text(
      frontMatter(
        validFields({
          topics: Array.from({ length: 10_000 }, (_, i) => `${payload(i)} ${i}`),
        }),
      ),
    ),
    expect: 'rejected',
    reason: /at most 50/,
  });
  add({
    name: 'fifty-long-topics',
    what: '50 topics of 200 characters with markup',
    body: text(
      frontMatter(
        validFields({
          topics: Array.from({ length: 50 }, (_, i) =>
            `${i} <b onmouseover=alert(${i})>${'t'.repeat(200)}`.slice(0, 200),
          ),
        }),
      ),
    ),
    expect: 'article',
  });
  add({
    name: 'topic-too-long',
    what: 'a topic name of 5,000 characters',
    body: text(frontMatter(validFields({ topics: ['x'.repeat(5000)] }))),
    expect: 'rejected',
    reason: /longer than/,
  });
  add({
    name: 'title-900k',
    what: 'a 900,000-character title',
    body: text(frontMatter(validFields({ title: `${SCRIPT_PAYLOADS[1]}`.repeat(22_000).slice(0, 900_000) }))),
    expect: 'rejected',
    reason: /title is longer/,
  });
  add({
    name: 'title-at-limit',
    what: 'a 1,000-character title made of payloads',
    body: text(frontMatter(validFields({ title: SCRIPT_PAYLOADS.join(' ').repeat(5).slice(0, 1000) }))),
    expect: 'article',
  });
  add({
    name: 'whitespace-title',
    what: 'a title of half a million spaces between two letters',
    body: text(frontMatter(validFields({ title: `a${' \t'.repeat(250_000)}b` }))),
    expect: 'article',
  });
  add({
    name: 'many-related-images',
    what: '3,000 related links and 3,000 images',
    body: text(
      frontMatter(
        validFields({
          related: Array.from({ length: 3000 }, (_, i) => ({
            title: payload(i),
            webUrl: HOSTILE_HTTP_URLS[i % 5],
          })),
          images: Array.from({ length: 3000 }, (_, i) => ({ url: `https://img.example.com/${i}.jpg` })),
        }),
      ),
    ),
    expect: 'article',
  });
  add({
    name: 'body-over-limit',
    what: 'a 400,000-character body',
    body: text(frontMatter(validFields(), 'word '.repeat(80_000))),
    expect: 'rejected',
    reason: /body is/,
  });
  add({
    name: 'body-at-limit',
    what: 'a 299,000-character body of hostile markdown',
    body: text(frontMatter(validFields(), HOSTILE_MARKDOWN.repeat(400).slice(0, 299_000))),
    expect: 'either',
    reason: /table item|body is/,
  });
  add({
    name: 'markdown-quote-nesting',
    what: '50,000 nested block quotes',
    body: text(frontMatter(validFields(), `${'>'.repeat(50_000)} deep`)),
    expect: 'article',
  });
  add({
    name: 'markdown-brackets',
    what: '100,000 unmatched link brackets',
    body: text(frontMatter(validFields(), `${'[a]('.repeat(25_000)}x`)),
    expect: 'article',
  });
  add({
    name: 'markdown-emphasis',
    what: 'emphasis delimiters that backtrack (100,000 of them)',
    body: text(frontMatter(validFields(), `${'*_'.repeat(50_000)}x`)),
    expect: 'article',
  });
  add({
    name: 'percent-url',
    what: 'a link of 100,000 percent signs',
    body: text(frontMatter(validFields({ webUrl: `https://news.example.com/${'%'.repeat(100_000)}` }))),
    expect: 'either',
  });

  // ---- strange characters ----
  add({
    name: 'control-characters',
    what: 'XML-illegal characters, lone surrogates, U+FFFE and ]]> in every text field',
    body: text(
      frontMatter(
        validFields({
          title: 'Ctl \u0001\u000b\u001f\u007f\u0085\ud800\udfff\ufffe\uffff ]]> end',
          excerpt: 'Ex \u0000 \u0008 ]]]]>> \ud83d',
          provider: { name: 'Prov \u000c ]]>', domain: 'example.com' },
          topics: ['Ctl \u0002 topic', ']]>'],
          category: '\u0007bell',
        }),
        'Body \u0001 with ]]> and \u000b',
      ),
    ),
    expect: 'article',
  });
  add({
    name: 'bidi-zero-width',
    what: 'right-to-left overrides, zero-width and combining characters',
    body: text(
      frontMatter(
        validFields({
          title: '\u202egnp.exe\u202c \u200b\u200d\u2066Z\u0335\u0336\u0337algo\u2069',
          topics: ['\u202e'],
        }),
      ),
    ),
    expect: 'article',
  });
  add({
    name: 'crlf-bom',
    what: 'Windows line endings and a UTF-8 BOM',
    body: Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      text(frontMatter(validFields()).replace(/\n/g, '\r\n')),
    ]),
    expect: 'article',
  });

  // ---- wrong types and values ----
  add({
    name: 'title-mapping',
    what: 'a title that is a mapping',
    body: text(frontMatter(validFields({ title: { toString: 'x', valueOf: 'y' } }))),
    expect: 'rejected',
    reason: /title/,
  });
  // A mapping whose toString is not a function makes String(value) throw: each must still end with a reason.
  for (const [field, value, expect, reason] of [
    ['published', { toString: 'x' }, 'rejected', /published/],
    ['webUrl', { toString: 'x', valueOf: 1 }, 'rejected', /webUrl/],
    ['publishedDateTime', [{ toString: 'x' }], 'rejected', /publishedDateTime/],
    ['images', [{ url: { toString: 'x' } }], 'article', undefined],
    ['provider', { name: { toString: 'x' }, domain: { valueOf: 'y' } }, 'article', undefined],
  ] as const) {
    add({
      name: `tostring-${field}`,
      what: `${field} a mapping with a toString key`,
      body: text(frontMatter(validFields({ [field]: value }))),
      expect,
      reason,
    });
  }
  add({
    name: 'bad-dates',
    what: 'a date on no calendar (February 30th)',
    body: text(frontMatter(validFields({ publishedDateTime: '2021-02-30T00:00:00Z' }))),
    expect: 'rejected',
    reason: /publishedDateTime/,
  });
  add({
    name: 'year-99999',
    what: 'a five-digit year',
    body: text(frontMatter(validFields({ publishedDateTime: '99999-01-01T00:00:00Z' }))),
    expect: 'rejected',
    reason: /publishedDateTime/,
  });
  add({
    name: 'weird-numbers',
    what: 'infinite, NaN and overflowing numbers',
    body: text(`${frontMatter(validFields()).slice(0, -4)}\nquality: .inf\nheat: .nan\nextra: 1e400\n---\n`),
    expect: 'article',
  });
  add({
    name: 'published-maybe',
    what: 'published: "maybe"',
    body: text(frontMatter(validFields({ published: 'maybe' }))),
    expect: 'rejected',
    reason: /published/,
  });
  add({
    name: 'credentials-url',
    what: 'a link with user and password',
    body: text(frontMatter(validFields({ webUrl: 'https://admin:secret@news.example.com/creds' }))),
    expect: 'either',
  });
  SCRIPT_URLS.forEach((url, i) => {
    add({
      name: `script-url-${i}`,
      what: `a ${url.trim().split(':')[0]}: link`,
      body: text(frontMatter(validFields({ webUrl: url }))),
      expect: 'rejected',
      reason: /not an absolute http/,
    });
  });
  HOSTILE_HTTP_URLS.forEach((url, i) => {
    add({
      name: `markup-url-${i}`,
      what: 'an http link with markup in it',
      body: text(frontMatter(validFields({ webUrl: url, title: `Markup URL ${i}` }))),
      expect: 'article',
    });
  });

  // ---- script in every field ----
  SCRIPT_PAYLOADS.forEach((payload, i) => {
    add({
      name: `script-everywhere-${i}`,
      what: 'one payload in every field and the body',
      body: text(
        frontMatter(
          validFields({
            title: payload,
            excerpt: payload,
            webUrl: `${HOSTILE_HTTP_URLS[i % 5]}/${i}`,
            originalUrl: SCRIPT_URLS[i % SCRIPT_URLS.length],
            provider: { name: payload, domain: `${payload}.example.com` },
            topics: [payload, 'Hostile input'],
            images: [{ url: `https://img.example.com/${i}.jpg" onerror="alert(${i})`, width: payload }],
            related: [
              { title: payload, webUrl: HOSTILE_HTTP_URLS[(i + 1) % 5], provider: { name: payload } },
              { title: 'script link', webUrl: SCRIPT_URLS[i % SCRIPT_URLS.length] },
            ],
            category: payload,
            type: payload,
            updatedDateTime: payload,
            quality: payload,
          }),
          `${payload}\n\n${HOSTILE_MARKDOWN}`,
        ),
      ),
      expect: 'article',
    });
  });

  // ---- hostile bucket keys ----
  add({
    name: 'key-markup',
    key: `hostile/"><img src=x onerror=alert('key')>.md`,
    what: 'a bucket key with markup (shown in the list of rejected files)',
    body: text('---\ntitle: only a title\n---\n'),
    expect: 'rejected',
    reason: /link is missing/,
  });
  add({
    name: 'key-traversal',
    key: '../../../etc/passwd.md',
    what: 'a bucket key that looks like path traversal (a plain name to S3; the local endpoint refuses it)',
    body: text(frontMatter(validFields())),
    expect: 'either',
  });
  return files;
}
