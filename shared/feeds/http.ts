/** Small HTTP pieces: content negotiation, conditional requests, dates, the public base URL. Pure. */

export type Encoding = 'br' | 'gzip' | 'identity';

const encodingCache = new Map<string, Encoding>();

/** The best encoding an Accept-Encoding header allows: br, then gzip, then identity (RFC 9110 §12.5.3). */
export function negotiateEncoding(header: string | undefined): Encoding {
  if (!header) return 'identity';
  const cached = encodingCache.get(header);
  if (cached) return cached;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.trim().split(';');
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (name) q.set(name.trim(), Number.isFinite(weight) ? weight : 0);
  }
  const star = q.get('*');
  const weight = (name: string) => q.get(name) ?? star ?? 0;
  const result: Encoding =
    weight('br') > 0 ? 'br' : weight('gzip') > 0 || weight('x-gzip') > 0 ? 'gzip' : 'identity';
  // Clients send a handful of distinct headers; bound the memo anyway.
  if (encodingCache.size > 256) encodingCache.clear();
  encodingCache.set(header, result);
  return result;
}

/** The representation-specific strong ETag: the content tag plus the coding, as caches need (RFC 9110 §8.8.3). */
export const etagFor = (tag: string, encoding: Encoding): string =>
  encoding === 'identity' ? `"${tag}"` : `"${tag}-${encoding === 'br' ? 'br' : 'gz'}"`;

/**
 * Whether If-None-Match matches the content `tag` in any of its codings (weak comparison, RFC 9110 §13.1.2):
 * a client holding the gzip representation has the same content as one holding identity.
 */
export function noneMatch(header: string, tag: string): boolean {
  if (header.trim() === '*') return true;
  for (const raw of header.split(',')) {
    let t = raw.trim();
    if (t.startsWith('W/')) t = t.slice(2);
    if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) t = t.slice(1, -1);
    if (t.endsWith('-br') || t.endsWith('-gz')) t = t.slice(0, -3);
    if (t === tag) return true;
  }
  return false;
}

/** An IMF-fixdate (`Sun, 14 Mar 2021 01:27:54 GMT`) for an ISO time; the epoch when unparseable. */
export const httpDate = (iso: string): string => new Date(Date.parse(iso) || 0).toUTCString();

/** Whether a resource last modified at `iso` is not newer than the If-Modified-Since date (second precision). */
export function notModifiedSince(header: string, iso: string): boolean {
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  const modified = Math.floor((Date.parse(iso) || 0) / 1000) * 1000;
  return modified <= since;
}

const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/i;

/**
 * The public base URL (scheme and host, no trailing slash) of a request without a configured one:
 * X-Forwarded-Proto / X-Forwarded-Host when a proxy set them, else Host. Undefined when the host is not a
 * plain host name (it ends up in every link we write).
 */
export function requestBaseUrl(headers: Record<string, string | undefined>): string | undefined {
  const first = (v: string | undefined) => v?.split(',')[0]?.trim() || undefined;
  const proto = first(headers['x-forwarded-proto'])?.toLowerCase();
  const host = first(headers['x-forwarded-host']) ?? first(headers.host);
  if (!host || !HOST.test(host)) return undefined;
  const scheme = proto === 'http' || proto === 'https' ? proto : 'https';
  const lower = host.toLowerCase();
  const bare = (scheme === 'http' && lower.endsWith(':80')) || (scheme === 'https' && lower.endsWith(':443'));
  return `${scheme}://${bare ? lower.replace(/:\d+$/, '') : lower}`;
}
