/**
 * A fixed catalogue of hostile article files: what an attacker, a broken editor or a confused script could
 * drop into the bucket. Each entry says what must become of it: an article (rendered safely), or a rejection
 * whose reason matches. Built deterministically at run time (no fixture files), so the same bytes every run.
 */
import { prng } from '../../lib/corpus.js';
import { HOSTILE_HTTP_URLS, HOSTILE_MARKDOWN, PWNED, SCRIPT_PAYLOADS, SCRIPT_URLS } from './payloads.js';

export interface HostileFile {
  /** Short name, unique in the catalogue. */
  name: string;
  /** What the file tries. */
  what: string;
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
const randomBytes = (n: number, seed: number, rng = prng(seed)) =>
  Buffer.from(Array.from({ length: n }, () => Math.floor(rng() * 256)));

export function hostileCatalogue(): HostileFile[] {
  serial = 0;
  const files: HostileFile[] = [];
  type Expect = HostileFile['expect'];
  const add = (expect: Expect, name: string, what: string, body: Buffer, reason?: RegExp, key?: string) =>
    files.push({ key: key ?? `hostile/${name}.md`, name, what, body, expect, reason });
  const reject = (name: string, what: string, body: Buffer, reason?: RegExp) =>
    add('rejected', name, what, body, reason);
  const article = (name: string, what: string, body: Buffer) => add('article', name, what, body);
  const either = (name: string, what: string, body: Buffer, reason?: RegExp) =>
    add('either', name, what, body, reason);
  /** A valid file with these fields changed (and this body). */
  const valid = (extra: Record<string, unknown> = {}, body = '') =>
    text(frontMatter(validFields(extra), body));
  /** A valid file's fields (with these changed) after some YAML of the caller's. */
  const after = (yaml: string, extra: Record<string, unknown> = {}) =>
    text(`---\n${yaml}\n${frontMatter(validFields(extra)).slice(4)}`);

  // ---- not text at all ----
  reject('random-bytes', '64 KB of random bytes', randomBytes(64 * 1024, 7), /NUL|UTF-8/);
  reject('empty', 'an empty file', Buffer.alloc(0), /empty/);
  reject('whitespace', 'only blank lines', text(' \n\t\n\n'), /empty/);
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(512, 8)]);
  reject('binary-png', 'a PNG image renamed .md', png, /NUL|UTF-8/);
  const utf16 = Buffer.from(`\ufeff${frontMatter(validFields())}`, 'utf16le');
  reject('utf16', 'valid front matter saved as UTF-16 with a BOM', utf16, /NUL|UTF-8/);
  // A valid file whose quoted title is these raw bytes.
  for (const [name, what, hex, reason] of [
    ['invalid-utf8', 'a title with a broken UTF-8 sequence', '2241c3284222', /UTF-8/],
    ['overlong-utf8', 'an overlong UTF-8 encoding of "/" (a classic filter bypass)', '222e2ec0af22', /UTF-8/],
    ['latin1', 'a file saved as Windows-1252 (é as one byte)', '22436166e922', /UTF-8/],
    ['nul-bytes', 'NUL bytes inside the title', '226100620022', /NUL/],
  ] as const) {
    const [head, tail] = frontMatter(validFields({ title: 'TITLE' })).split('"TITLE"') as [string, string];
    reject(name, what, Buffer.concat([text(head), Buffer.from(hex, 'hex'), text(tail)]), reason);
  }

  // ---- broken or abusive front matter ----
  reject('no-front-matter', 'plain text with no front matter', text('Just some words.\n'), /front matter/);
  const unclosed = text('---\ntitle: "x"\nwebUrl: "https://news.example.com/unclosed"\n');
  reject('unclosed', 'front matter never closed', unclosed);
  reject('not-a-mapping', 'front matter that is a list', text('---\n- a\n- b\n---\n'), /mapping/);
  const tabs = text('---\ntitle: x\nprovider:\n\tname: y\n---\n');
  reject('tabs', 'front matter indented with tabs', tabs, /YAML/);
  const twice = text(`${frontMatter(validFields()).split('\n---\n')[0]}\ntitle: "again"\n---\n`);
  reject('duplicate-keys', 'the same key twice', twice, /YAML/);
  const jsTag = text(`---\ntitle: !!js/function "function(){ return process.exit(1) }"\n---\n`);
  reject('js-function-tag', 'a !!js/function tag (code execution in unsafe YAML loaders)', jsTag, /YAML/);
  for (const language of ['js', 'javascript', ' js']) {
    const name = `front-matter-language-${language.trim()}${language.startsWith(' ') ? '-spaced' : ''}`;
    const what = `front matter opened by "---${language}": gray-matter would evaluate it as JavaScript (eval); a valid article if it ran`;
    reject(name, what, text(`---${language}\n${JSON.stringify(validFields())}\n---\n`), /no front matter/);
  }
  const python = text(`---\ntitle: !!python/object/apply:os.system ["id"]\n---\n`);
  reject('python-tag', 'a !!python/object/apply tag', python, /YAML/);
  const aliases = Array.from(
    { length: 8 },
    (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]`,
  );
  const bomb = [`l0: &l0 ["${'lol'.repeat(4)}"]`, ...aliases].join('\n');
  reject('alias-bomb', 'billion laughs: 9 levels of 9 aliases', after(bomb), /alias/);
  const merges = `a: &a {x: 1, y: 2}\nb: &b {<<: [*a, *a, *a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b, *b, *b]}\nd: {<<: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}`;
  reject('merge-key-bomb', 'nested YAML merge keys (<<: *a) fanning out', after(merges), /alias/);
  const flow = `deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  reject('deep-flow', '10,000 nested flow sequences', after(flow), /deeper|nest/);
  const block = `${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}deep${i}:`).join('\n')} end`;
  reject('deep-block', '200 nested block mappings', after(block), /deeper|nest/);
  const manyKeys = Array.from({ length: 15_000 }, (_, i) => `k${i}: ${json(payload(i))}`).join('\n');
  const manyKeysWhat = 'about 900 KB of front matter: 15,000 unknown keys, each a script payload';
  article('huge-front-matter', manyKeysWhat, after(manyKeys));
  article('huge-excerpt', 'a 900 KB excerpt', valid({ excerpt: `${SCRIPT_PAYLOADS[0]} `.repeat(15_000) }));
  const oversize = valid({ excerpt: 'x'.repeat(2 * 1024 * 1024) });
  reject('oversize', 'a 2 MB file, over the 1 MB limit', oversize, /limit/);

  // ---- prototype pollution ----
  const proto = [
    `__proto__: {polluted: "yes", ${PWNED}: "yes"}`,
    'constructor: {prototype: {polluted: "yes"}}',
    'prototype: {polluted: "yes"}',
    `provider: {__proto__: {polluted: "yes"}, name: "Proto News", constructor: {prototype: {polluted: "yes"}}}`,
    'images: [{__proto__: {url: "https://img.example.com/p.jpg"}, url: "https://img.example.com/q.jpg"}]',
    'related: [{__proto__: {title: "x"}, title: "Related", webUrl: "https://news.example.com/r"}]',
  ].join('\n');
  const protoTopics = { topics: ['__proto__', 'constructor', 'prototype', 'toString'] };
  const protoWhat = '__proto__, constructor and prototype keys at every level';
  article('proto-keys', protoWhat, after(proto, protoTopics));

  // ---- sizes and counts ----
  const manyTopics = valid({ topics: Array.from({ length: 10_000 }, (_, i) => `${payload(i)} ${i}`) });
  reject('ten-thousand-topics', 'ten thousand topics, each a script payload', manyTopics, /at most 50/);
  const longTopics = Array.from({ length: 50 }, (_, i) =>
    `${i} <b onmouseover=alert(${i})>${'t'.repeat(200)}`.slice(0, 200),
  );
  article('fifty-long-topics', '50 topics of 200 characters with markup', valid({ topics: longTopics }));
  const longTopic = valid({ topics: ['x'.repeat(5000)] });
  reject('topic-too-long', 'a topic name of 5,000 characters', longTopic, /longer than/);
  const hugeTitle = `${SCRIPT_PAYLOADS[1]}`.repeat(22_000).slice(0, 900_000);
  reject('title-900k', 'a 900,000-character title', valid({ title: hugeTitle }), /title is longer/);
  const limitTitle = SCRIPT_PAYLOADS.join(' ').repeat(5).slice(0, 1000);
  article('title-at-limit', 'a 1,000-character title made of payloads', valid({ title: limitTitle }));
  const spaces = valid({ title: `a${' \t'.repeat(250_000)}b` });
  article('whitespace-title', 'a title of half a million spaces between two letters', spaces);
  const related = Array.from({ length: 3000 }, (_, i) => ({
    title: payload(i),
    webUrl: HOSTILE_HTTP_URLS[i % 5],
  }));
  const images = Array.from({ length: 3000 }, (_, i) => ({ url: `https://img.example.com/${i}.jpg` }));
  article('many-related-images', '3,000 related links and 3,000 images', valid({ related, images }));
  reject('body-over-limit', 'a 400,000-character body', valid({}, 'word '.repeat(80_000)), /body is/);
  const atLimit = valid({}, HOSTILE_MARKDOWN.repeat(400).slice(0, 299_000));
  either('body-at-limit', 'a 299,000-character body of hostile markdown', atLimit, /table item|body is/);
  article('markdown-quote-nesting', '50,000 nested block quotes', valid({}, `${'>'.repeat(50_000)} deep`));
  article('markdown-brackets', '100,000 unmatched link brackets', valid({}, `${'[a]('.repeat(25_000)}x`));
  const emphasis = valid({}, `${'*_'.repeat(50_000)}x`);
  article('markdown-emphasis', 'emphasis delimiters that backtrack (100,000 of them)', emphasis);
  const percent = valid({ webUrl: `https://news.example.com/${'%'.repeat(100_000)}` });
  either('percent-url', 'a link of 100,000 percent signs', percent);

  // ---- strange characters ----
  const controls = valid(
    {
      title: 'Ctl \u0001\u000b\u001f\u007f\u0085\ud800\udfff\ufffe\uffff ]]> end',
      excerpt: 'Ex \u0000 \u0008 ]]]]>> \ud83d',
      provider: { name: 'Prov \u000c ]]>', domain: 'example.com' },
      topics: ['Ctl \u0002 topic', ']]>'],
      category: '\u0007bell',
    },
    'Body \u0001 with ]]> and \u000b',
  );
  const controlsWhat = 'XML-illegal characters, lone surrogates, U+FFFE and ]]> in every text field';
  article('control-characters', controlsWhat, controls);
  const bidi = valid({
    title: '\u202egnp.exe\u202c \u200b\u200d\u2066Z\u0335\u0336\u0337algo\u2069',
    topics: ['\u202e'],
  });
  article('bidi-zero-width', 'right-to-left overrides, zero-width and combining characters', bidi);
  const crlf = text(`\ufeff${frontMatter(validFields()).replace(/\n/g, '\r\n')}`);
  article('crlf-bom', 'Windows line endings and a UTF-8 BOM', crlf);

  // ---- wrong types and values ----
  const titleMapping = valid({ title: { toString: 'x', valueOf: 'y' } });
  reject('title-mapping', 'a title that is a mapping', titleMapping, /title/);
  // A mapping whose toString is not a function makes String(value) throw: each must still end with a reason.
  for (const [field, value, expect, reason] of [
    ['published', { toString: 'x' }, 'rejected', /published/],
    ['webUrl', { toString: 'x', valueOf: 1 }, 'rejected', /webUrl/],
    ['publishedDateTime', [{ toString: 'x' }], 'rejected', /publishedDateTime/],
    ['images', [{ url: { toString: 'x' } }], 'article', undefined],
    ['provider', { name: { toString: 'x' }, domain: { valueOf: 'y' } }, 'article', undefined],
  ] as const) {
    const what = `${field} a mapping with a toString key`;
    add(expect, `tostring-${field}`, what, valid({ [field]: value }), reason);
  }
  const feb30 = valid({ publishedDateTime: '2021-02-30T00:00:00Z' });
  reject('bad-dates', 'a date on no calendar (February 30th)', feb30, /publishedDateTime/);
  const year = valid({ publishedDateTime: '99999-01-01T00:00:00Z' });
  reject('year-99999', 'a five-digit year', year, /publishedDateTime/);
  const numbers = text(
    `${frontMatter(validFields()).slice(0, -4)}\nquality: .inf\nheat: .nan\nextra: 1e400\n---\n`,
  );
  article('weird-numbers', 'infinite, NaN and overflowing numbers', numbers);
  reject('published-maybe', 'published: "maybe"', valid({ published: 'maybe' }), /published/);
  const credentials = valid({ webUrl: 'https://admin:secret@news.example.com/creds' });
  either('credentials-url', 'a link with user and password', credentials);
  SCRIPT_URLS.forEach((url, i) => {
    const what = `a ${url.trim().split(':')[0]}: link`;
    reject(`script-url-${i}`, what, valid({ webUrl: url }), /not an absolute http/);
  });
  HOSTILE_HTTP_URLS.forEach((url, i) => {
    const markupUrl = valid({ webUrl: url, title: `Markup URL ${i}` });
    article(`markup-url-${i}`, 'an http link with markup in it', markupUrl);
  });

  // ---- script in every field ----
  SCRIPT_PAYLOADS.forEach((payload, i) => {
    const fields = {
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
      ...{ category: payload, type: payload, updatedDateTime: payload, quality: payload },
    };
    const body = valid(fields, `${payload}\n\n${HOSTILE_MARKDOWN}`);
    article(`script-everywhere-${i}`, 'one payload in every field and the body', body);
  });

  // ---- hostile bucket keys ----
  const key = `hostile/"><img src=x onerror=alert('key')>.md`;
  const markupKey = 'a bucket key with markup (shown in the list of rejected files)';
  add('rejected', 'key-markup', markupKey, text('---\ntitle: only a title\n---\n'), /link is missing/, key);
  const traversal =
    'a bucket key that looks like path traversal (a plain name to S3; the local endpoint refuses it)';
  add('either', 'key-traversal', traversal, valid(), undefined, '../../../etc/passwd.md');
  return files;
}
