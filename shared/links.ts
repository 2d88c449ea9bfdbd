/** Article identity: one article per canonical link, with a feed id derived from it that never changes. */
import { hash } from 'node:crypto';

// One-shot hashing (no Hash object per call): this runs once per article.
const hash1 = (data: Buffer): string => hash('sha1', data, 'hex');

const TRACKING_PARAM = /^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi)$/i;

// Plain absolute http(s) URLs: a lower-case ASCII host whose last label starts with a letter (never read as
// an IPv4 address, no punycode to check), no port, and a path of characters that need no escaping. All of
// them are valid for the WHATWG URL parser, so they skip it.
const PLAIN_HTTP_URL =
  /^https?:\/\/(?!.*xn--)(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*\/[\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5b\x5d\x5f\x61-\x7a\x7e]*$/;

/**
 * An absolute http(s) URL as text, normalized where needed; undefined for anything else. Plain URLs
 * (nearly all of them) skip the full parser.
 */
export function httpHref(raw: string): string | undefined {
  if (PLAIN_HTTP_URL.test(raw)) return raw;
  return httpUrl(raw)?.href;
}

/** Parses an absolute http(s) URL; undefined for anything else. */
export function httpUrl(raw: string): URL | undefined {
  if (!/^https?:\/\//i.test(raw)) return undefined;
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The identity of a link: fragment and tracking parameters dropped, host lower-cased, default port removed
 * (the URL parser does the last two). Scheme and path are kept: sites differ on whether they are equivalent.
 */
export function canonicalLink(url: URL): string {
  const c = new URL(url.href);
  c.hash = '';
  const tracking = [...c.searchParams.keys()].filter((k) => TRACKING_PARAM.test(k));
  for (const k of tracking) c.searchParams.delete(k);
  return c.href;
}

// RFC 4122 name space for URLs.
const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** RFC 4122 version 5 UUID of a canonical link in the URL name space: reproducible by anyone. */
export function uuidV5(name: string): string {
  const hash = Buffer.from(hash1(Buffer.concat([URL_NAMESPACE, Buffer.from(name, 'utf8')])), 'hex');
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
};

/** The MIME type of an image from its path's extension; undefined when the path does not say. */
export function imageMimeType(href: string): string | undefined {
  const path = href.replace(/[?#].*$/, '');
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? MIME_BY_EXTENSION[ext] : undefined;
}
