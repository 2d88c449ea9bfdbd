/**
 * Escaping for every place an untrusted string can land: XML text and attributes, HTML, URLs.
 * Strings from articles pass through these on their way into any output, whatever ingest did before.
 */
import { cleanLine, stripIllegal } from '../../text.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * Escapes text for HTML or XML, in element content and in double- or single-quoted attributes alike.
 * Characters XML cannot carry are dropped first; white space in attributes is kept as character references.
 */
export const escapeHtml = (s: string): string =>
  stripIllegal(s).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** Escapes an attribute value (also keeps tabs and line breaks, which XML parsers would fold into spaces). */
export const escapeAttr = (s: string): string =>
  stripIllegal(s).replace(/[&<>"'\t\n\r]/g, (c) => HTML_ESCAPES[c] ?? c);

/** One line of plain text from untrusted input ('' for anything that is not a string). */
export const line = (s: unknown): string => (typeof s === 'string' ? cleanLine(s) : '');

// RFC 3986 characters a URI may carry literally (`#` only once, as the fragment's start; `%` only before two
// hex digits). The WHATWG URL serializer leaves a few others (| ^ [ ] { } ` \ and a bare %) that strict
// checkers refuse.
const NOT_URI_CHAR = /[^0-9A-Za-z;/?:@&=+$.\-_!~*'(),%]|%(?![0-9A-Fa-f]{2})/g;
const percent = (c: string) =>
  [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const strict = (s: string) => s.replace(NOT_URI_CHAR, percent);

/**
 * An absolute http(s) URL as a strict RFC 3986 URI (ASCII, percent-encoded, punycode host, no credentials),
 * or undefined when `raw` is not one. Relative references resolve against `base` when given.
 */
export function safeHttpUrl(raw: unknown, base?: string): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = stripIllegal(raw).trim();
  if (text === '' || text.length > 4096) return undefined;
  let url: URL;
  try {
    url = base === undefined ? new URL(text) : new URL(text, base);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  if (url.hostname.startsWith('[')) return undefined; // IPv6 literals: not worth a reader's trouble
  const fragment = url.hash.length > 1 ? `#${strict(url.hash.slice(1))}` : '';
  return `${url.origin}${strict(url.pathname)}${strict(url.search)}${fragment}`;
}

/** `https://<domain>/` for a bare host name such as a provider's `cnn.com`; undefined for anything else. */
export function domainUrl(domain: unknown): string | undefined {
  if (typeof domain !== 'string') return undefined;
  const d = domain.trim().toLowerCase();
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(d))
    return undefined;
  return `https://${d}/`;
}

/** Neutralizes `]]>` in HTML that goes into a CDATA section: `&gt;` means the same to an HTML reader. */
export const cdataSafeHtml = (html: string): string => html.replaceAll(']]>', ']]&gt;');

const MIME = /^[a-z]+\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
/** A MIME type if `type` is a well-formed one of the given top-level type (image/…), else undefined. */
export function mimeType(type: unknown, top: string): string | undefined {
  if (typeof type !== 'string') return undefined;
  const t = type.trim().toLowerCase();
  return MIME.test(t) && t.startsWith(`${top}/`) ? t : undefined;
}

/** A positive integer dimension, else undefined. */
export const positiveInt = (n: unknown): number | undefined =>
  typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 1e6 ? n : undefined;
