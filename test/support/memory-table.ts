/** The table an in-memory ingest leaves, as one comparable string (write counters left out, maps by content). */
import { Ingester, type ObjectEvent } from '../../shared/ingest/ingester.js';
import type { StoredObject } from '../../shared/ingest/objects.js';
import { MemoryStore } from '../../shared/store/memory.js';
import { canonical, isCounterPath } from '../../tools/reliability/tables.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** What the table holds after applying `order`: articles, feeds, topics (name and count), files. */
export async function tableAfter(order: ObjectEvent[], objects: Map<string, StoredObject>): Promise<string> {
  const store = new MemoryStore();
  const ingester = new Ingester({
    store,
    objects: { get: async (_b, k) => objects.get(k) },
    log: quiet,
    maxObjectBytes: 1 << 20,
  });
  for (const e of order) await ingester.apply(e);
  const strip = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => !isCounterPath(k))
            .map(([k, x]) => [k, strip(x)]),
        )
      : v;
  return JSON.stringify({
    articles: [...store.articles.values()]
      .map(strip)
      // Maps compare by content, not by the order their keys were added (DynamoDB keeps no order either).
      .map((a) => canonical(a))
      .sort(),
    feeds: [...store.feeds]
      .filter(([, m]) => m.size > 0)
      .map(([f, m]) => `${f}: ${[...m.keys()].sort().join(' ')}`)
      .sort(),
    topics: [...store.topics.values()]
      .filter((t) => t.count > 0)
      .map((t) => [t.slug, t.name, t.count])
      .sort(),
    files: [...store.files.values()].map((f) => [f.key, f.status, f.articleId ?? null]).sort(),
  });
}
