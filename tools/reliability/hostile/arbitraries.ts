/**
 * fast-check arbitraries of hostile input: strings built from the characters and fragments that break
 * escaping (markup, CDATA ends, control characters, lone surrogates, bidi overrides, entities), article
 * files whose every field may carry them or be of the wrong type, corrupted copies of valid files, and
 * hostile HTTP requests for the feeds app.
 */
import fc from 'fast-check';
import { frontMatter } from './catalogue.js';
import { HOSTILE_HTTP_URLS, HOSTILE_MARKDOWN, SCRIPT_PAYLOADS, SCRIPT_URLS } from './payloads.js';

const FRAGMENTS = (
  '<|>|&|"|\'|]]>|<![CDATA[|-->|\u0000|\u0008|\u000b|\u001f|\u007f|\u0085|\ud800|\udfff|' +
  '\ufffe|\uffff|\u202e|\u2028|\ufeff|\n|\r|\t| |%|%00|#|/|..|,|javascript:|&#x09;|&lt;|' +
  '&amp;|{{|${|é|北朝鮮|😀|a|Z|0|-|_'
).split('|');

/** Text an attacker would write: payloads, arbitrary UTF-16 (lone surrogates included), or fragment soup. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SCRIPT_PAYLOADS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 12 })
    .map((a) => a.join('')),
);

const KEYS = '__proto__ constructor prototype toString valueOf hasOwnProperty name url'.split(' ');
const hostileKey = fc.oneof(fc.constantFrom(...KEYS), hostileString);

const scalar = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -0, 2 ** 53 + 1),
);

/** Any YAML value: scalars, lists and mappings (with prototype keys), a few levels deep. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(hostileKey, tie('v'), { maxKeys: 3 }),
  ),
})).v;

const hostileUrl = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_HTTP_URLS), weight: 2 },
  { arbitrary: hostileString.map((s) => `https://news.example.com/${s}`), weight: 4 },
  { arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }), weight: 2 },
  { arbitrary: fc.constantFrom(...SCRIPT_URLS), weight: 1 },
  { arbitrary: hostileValue, weight: 1 },
);

const years = { min: new Date('1890-01-01T00:00:00Z'), max: new Date('3010-01-01T00:00:00Z') };
const isoDate = fc.date({ ...years, noInvalidDate: true });
const oddDate = fc.constantFrom('2021-02-29', '2020-02-29', '2021-03-14T25:00:00Z', '2021-03-14 01:27+0530');
const hostileDate = fc.oneof(
  { arbitrary: isoDate.map((d) => d.toISOString()), weight: 6 },
  { arbitrary: oddDate, weight: 1 },
  { arbitrary: hostileValue, weight: 1 },
);

const option = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 3 });

const MARKDOWN_PIECES = '# ~> ~- ~1. ~```~[a](~)~![~](~<~|---|~\n\n~*~_~`'.split('~');
const hostileMarkdown = fc.oneof(
  fc.constant(''),
  fc.constant(HOSTILE_MARKDOWN),
  fc
    .array(fc.oneof(hostileString, fc.constantFrom(...MARKDOWN_PIECES)), { maxLength: 30 })
    .map((a) => a.join('')),
);

const relatedLink = fc.record({ title: hostileString, webUrl: hostileUrl, publishedDateTime: hostileDate });

/** The fields of an article file, each hostile; the required ones valid often enough to reach the feeds. */
export const hostileFields: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    title: fc.oneof({ arbitrary: hostileString, weight: 5 }, { arbitrary: hostileValue, weight: 1 }),
    webUrl: hostileUrl,
    originalUrl: option(hostileUrl),
    publishedDateTime: hostileDate,
    updatedDateTime: option(hostileDate),
    excerpt: option(hostileString),
    provider: option(fc.oneof(fc.record({ name: hostileString, domain: hostileString }), hostileValue)),
    topics: fc.oneof(
      { arbitrary: fc.array(hostileString, { maxLength: 6 }), weight: 5 },
      { arbitrary: hostileValue, weight: 1 },
    ),
    images: option(fc.array(fc.record({ url: hostileUrl, width: scalar, height: scalar }), { maxLength: 3 })),
    related: option(fc.array(relatedLink, { maxLength: 3 })),
    category: option(hostileString),
    type: option(hostileString),
    published: option(fc.oneof(fc.boolean(), hostileValue)),
    quality: option(scalar),
    heat: option(scalar),
    extra: fc.dictionary(hostileKey, hostileValue, { maxKeys: 3 }),
  })
  .map(({ extra, ...known }) => {
    const fields: Record<string, unknown> = {};
    // Unknown (and prototype) keys first, so the known fields still say what the file is about.
    for (const [k, v] of Object.entries(extra))
      Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, v] of Object.entries(known)) if (v !== undefined) fields[k] = v;
    return fields;
  });

export const hostileArticle: fc.Arbitrary<Buffer> = fc
  .tuple(hostileFields, hostileMarkdown)
  .map(([fields, body]) => Buffer.from(frontMatter(fields, body), 'utf8'));

/** A valid article file with a few bytes set, inserted or deleted at random places. */
export function corrupted(valid: Buffer): fc.Arbitrary<Buffer> {
  const edit = fc.record({
    at: fc.nat({ max: valid.length }),
    op: fc.constantFrom('set', 'insert', 'delete'),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    const bytes = [...valid];
    for (const { at, op, byte } of edits) {
      const i = Math.min(at, bytes.length);
      if (op === 'set' && i < bytes.length) bytes[i] = byte;
      else if (op === 'insert') bytes.splice(i, 0, byte);
      else bytes.splice(i, 1);
    }
    return Buffer.from(bytes);
  });
}

const PATH_PIECES = '/ topics rss.xml atom.xml feed.json , .. . % %2F %00 %ZZ %C0%AF %E0%A4%A ~ ; \\'.split(
  ' ',
);
const pathSegment = fc.oneof(
  fc.constantFrom(...PATH_PIECES),
  fc.string({ maxLength: 6 }).map(encodeURIComponent),
  hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
);

/** A request path: a slash, then pieces of ours and of an attacker's. */
export const hostilePath: fc.Arbitrary<string> = fc
  .array(pathSegment, { maxLength: 8 })
  .map((parts) => `/${parts.join('')}`);

const PARAMS = ['limit', 'cursor', 'format', 'x', '__proto__'];
/** A query string with our parameters and others, their values hostile. */
export const hostileQuery: fc.Arbitrary<URLSearchParams> = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...PARAMS), hostileString),
      fc.oneof(fc.string({ maxLength: 12 }), hostileString, fc.integer().map(String)),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => new URLSearchParams(pairs));

const HEADER_NAMES =
  'if-none-match if-modified-since accept-encoding host x-forwarded-host x-forwarded-proto range'.split(' ');
const HEADER_VALUES = ['*', 'W/"x"', 'gzip;q=0', 'br', 'Thu, 01 Jan 1970 00:00:00 GMT'];
/** Request headers our app reads, with hostile values. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.tuple(fc.constantFrom(...HEADER_NAMES), fc.oneof(hostileString, fc.constantFrom(...HEADER_VALUES))),
    { maxLength: 4 },
  )
  .map((pairs) => Object.fromEntries(pairs));

export const hostileMethod = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'HEAD'), weight: 6 },
  { arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'get', ''), weight: 1 },
);
