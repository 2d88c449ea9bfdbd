/**
 * "Cache what you send, not what you render from": a rendered body in each content coding worth sending
 * (identity, gzip, br), each with the headers of its 200, made once per render.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Encoding } from './http.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Below this size compression does not pay for its headers. */
const MIN_COMPRESS_BYTES = 512;

export interface Representation {
  /** The bytes sent (compressed or not). */
  body: Buffer;
  /** The identity body as text (what Lambda takes without base64). */
  text?: string;
  /** Headers of a 200 for this representation (content-type, length, coding, etag, caching). */
  headers: Readonly<Record<string, string>>;
  /** Headers of a 304 for this representation, made once on first use. */
  notModified?: Readonly<Record<string, string>>;
}

export interface Rendered {
  /** The content tag (ETag without coding or quotes). */
  tag: string;
  /** The revisions this render was made from. */
  revisions: string;
  identity: Representation;
  gzip?: Representation;
  br?: Representation;
  /** Memory held (the bytes and their text), for the cache's bound. */
  bytes: number;
}

export const representation = (r: Rendered, encoding: Encoding): Representation =>
  (encoding === 'br' ? (r.br ?? r.gzip) : encoding === 'gzip' ? r.gzip : undefined) ?? r.identity;

/**
 * Builds the identity, gzip and br representations of a body; the codings only when they make it smaller.
 * `headersOf` gives the headers of a 200 in a coding of that many bytes.
 */
export async function buildRendered(
  body: string,
  tag: string,
  revisions: string,
  headersOf: (encoding: Encoding, length: number) => Record<string, string>,
): Promise<Rendered> {
  const raw = Buffer.from(body, 'utf8');
  const make = (bytes: Buffer, encoding: Encoding, text?: string): Representation => ({
    body: bytes,
    text,
    headers: headersOf(encoding, bytes.length),
  });
  const rendered: Rendered = { tag, revisions, identity: make(raw, 'identity', body), bytes: raw.length * 2 };
  if (raw.length >= MIN_COMPRESS_BYTES) {
    // Brotli quality 5 and gzip level 6: on a 50-item feed, quality 10 costs about 20 times the CPU for a
    // body a few per cent smaller, and a render cache miss should not cost more in compression than in rendering.
    const [gz, br] = await Promise.all([
      gzipAsync(raw, { level: 6 }),
      brotliAsync(raw, {
        params: {
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_QUALITY]: 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      }),
    ]);
    if (gz.length < raw.length) {
      rendered.gzip = make(gz, 'gzip');
      rendered.bytes += gz.length * 2;
    }
    if (br.length < (rendered.gzip?.body.length ?? raw.length)) {
      rendered.br = make(br, 'br');
      rendered.bytes += br.length * 2;
    }
  }
  return rendered;
}
