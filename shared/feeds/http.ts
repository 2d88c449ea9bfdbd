/** Small HTTP pieces: content negotiation and the public base URL (validators are in conditional.ts). */
import { Memo } from './cache.js';

export type Encoding = 'br' | 'gzip' | 'identity';

/** Clients send a handful of distinct Accept-Encoding headers; bounded anyway. */
const encodings = new Memo<Encoding>(256);

/** The best encoding an Accept-Encoding header allows: br, then gzip, then identity (RFC 9110 §12.5.3). */
export function negotiateEncoding(header: string | undefined): Encoding {
  return header ? encodings.get(header, negotiate) : 'identity';
}

function negotiate(header: string): Encoding {
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
  return weight('br') > 0 ? 'br' : weight('gzip') > 0 || weight('x-gzip') > 0 ? 'gzip' : 'identity';
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
