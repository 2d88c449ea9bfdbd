/**
 * The one cache of the feeds app, on `lru-cache`: least recently used entries go first, within a bound in
 * bytes (rendered bodies) or in entries (memos of pure functions of request strings, metadata snapshots).
 */
import { LRUCache } from 'lru-cache';
import type { Rendered } from './representations.js';

/** A bounded memo: `make(key)` once per key while it stays among the `max` most recently used. */
export class Memo<V extends {}> {
  private readonly lru: LRUCache<string, V>;
  constructor(max: number) {
    this.lru = new LRUCache({ max });
  }
  get(key: string, make: (key: string) => V): V {
    let v = this.lru.get(key);
    if (v === undefined) {
      v = make(key);
      this.lru.set(key, v);
    }
    return v;
  }
  find(key: string): V | undefined {
    return this.lru.get(key);
  }
  set(key: string, value: V): void {
    this.lru.set(key, value);
  }
  delete(key: string): void {
    this.lru.delete(key);
  }
  clear(): void {
    this.lru.clear();
  }
}

/**
 * Rendered bodies, already compressed, with their response headers, keyed by the request variant (route,
 * format, parameters, base URL) and valid for one set of topic revisions. A warm hit costs a lookup: no query,
 * no rendering, no compression, no base64. One variant keeps only its newest render, and concurrent misses of
 * the same variant share one render. `maxBytes` 0 keeps nothing (every request renders).
 */
export class RenderCache {
  private readonly entries?: LRUCache<string, Rendered>;
  private readonly pending = new Map<string, Promise<Rendered>>();

  constructor(maxBytes: number) {
    if (maxBytes > 0) {
      this.entries = new LRUCache<string, Rendered>({
        maxSize: maxBytes,
        sizeCalculation: (r) => Math.max(1, r.bytes),
      });
    }
  }

  /** The render of `variant` for exactly these revisions, if cached. */
  get(variant: string, revisions: string): Rendered | undefined {
    const hit = this.entries?.get(variant);
    return hit && hit.revisions === revisions ? hit : undefined;
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
      // The latest render wins; if it was of older revisions, the next request misses and renders again.
      // One larger than the whole bound is not kept (and the older render of its variant goes).
      inflight.then((r) => this.entries?.set(variant, r)).catch(() => {});
    }
    return inflight;
  }
}
