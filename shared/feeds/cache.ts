/**
 * "Cache what you send, not what you render from": rendered bodies, already compressed, with their response
 * headers, keyed by the request variant (route, format, limit, cursor, base URL) and valid for one set of
 * topic revisions. A warm hit costs a map lookup: no query, no rendering, no compression, no base64.
 * Memory is bounded in bytes (least recently used variants go first); one variant keeps only its newest
 * render, and concurrent misses of the same variant share one render.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { type Encoding, etagFor } from './http.js';

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
  bytes: number;
  /** When it was last used (a counter): the least recently used go first. */
  used: number;
}

export const representation = (r: Rendered, encoding: Encoding): Representation =>
  (encoding === 'br' ? (r.br ?? r.gzip) : encoding === 'gzip' ? r.gzip : undefined) ?? r.identity;

/** Builds the identity, gzip and br representations of a body; the codings only when they make it smaller. */
export async function buildRendered(
  body: string,
  tag: string,
  revisions: string,
  headers: Record<string, string>,
): Promise<Rendered> {
  const raw = Buffer.from(body, 'utf8');
  const make = (bytes: Buffer, encoding: Encoding, text?: string): Representation => ({
    body: bytes,
    text,
    headers: {
      ...headers,
      ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
      'content-length': String(bytes.length),
      etag: etagFor(tag, encoding),
    },
  });
  const rendered: Rendered = {
    tag,
    revisions,
    identity: make(raw, 'identity', body),
    bytes: raw.length * 2,
    used: 0,
  };
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

export class RenderCache {
  private readonly entries = new Map<string, Rendered>();
  private readonly pending = new Map<string, Promise<Rendered>>();
  private bytes = 0;
  private clock = 0;

  constructor(private readonly maxBytes: number) {}

  /** The render of `variant` for exactly these revisions, if cached. */
  get(variant: string, revisions: string): Rendered | undefined {
    const hit = this.entries.get(variant);
    if (!hit || hit.revisions !== revisions) return undefined;
    hit.used = ++this.clock;
    return hit;
  }

  /** The cached render, or the one `render` makes (shared by concurrent callers), which is then kept. */
  async getOrRender(variant: string, revisions: string, render: () => Promise<Rendered>): Promise<Rendered> {
    const hit = this.get(variant, revisions);
    if (hit) return hit;
    const key = `${revisions}\n${variant}`;
    let inflight = this.pending.get(key);
    if (!inflight) {
      inflight = render().finally(() => this.pending.delete(key));
      this.pending.set(key, inflight);
      inflight.then((r) => this.put(variant, r)).catch(() => {});
    }
    return inflight;
  }

  private put(variant: string, r: Rendered): void {
    const old = this.entries.get(variant);
    if (old) {
      // The latest render wins; if it was of older revisions, the next request misses and renders again.
      this.entries.delete(variant);
      this.bytes -= old.bytes;
    }
    if (r.bytes > this.maxBytes) return;
    r.used = ++this.clock;
    this.entries.set(variant, r);
    this.bytes += r.bytes;
    if (this.bytes > this.maxBytes) this.evict();
  }

  /** Drops the least recently used renders until memory is back under a margin below the limit. */
  private evict(): void {
    const oldest = [...this.entries].sort((a, b) => a[1].used - b[1].used);
    for (const [key, e] of oldest) {
      if (this.bytes <= this.maxBytes * 0.9) break;
      this.entries.delete(key);
      this.bytes -= e.bytes;
    }
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
