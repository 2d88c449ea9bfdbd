/**
 * Row 5: an uncached 50-item topic feed (and its Query alone) with 100,000 articles in the table against
 * 1,000, the caches off as after a change or a cold start (the method: docs/PERFORMANCE.md, "How each row is
 * measured").
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../../../shared/store/dynamodb.js';
import { toolsFeedsApp } from '../../lib/app.js';
import { beside, rssMb, startTs } from '../../lib/procs.js';
import { mapLimit, median, now, quantile, repeat } from '../../lib/stats.js';
import { type BenchContext, compare, measure, type RowResult } from '../lib/report.js';
import type { DynamoChildInfo } from '../servers/dynamo.js';

/** A dynalite child and the feeds app on its table; the feed measured is the most popular topic's. */
async function startTable(heapMb: number, seed: { bases: number; seed: number }) {
  const child = await startTs<DynamoChildInfo>(beside(import.meta.url, '../servers/dynamo.ts'), [], {
    nodeArgs: [`--max-old-space-size=${heapMb}`],
    env: { BENCH_SEED: JSON.stringify(seed) },
    timeoutMs: 60_000,
  });
  const client = new DynamoDBClient({
    endpoint: child.info.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const store = new DynamoStore(client, child.info.table);
  const app = toolsFeedsApp(store, { metaTtlMs: 0, cacheBytes: 0 });
  return { child, client, store, app, watchedFeed: child.info.watchedFeed, watchedCount: 0 };
}
type Table = Awaited<ReturnType<typeof startTable>>;

/** Grows the child's table to `target` articles (seeded and verified in the child); returns the seconds. */
async function grow(t: Table, target: number): Promise<number> {
  const answer = t.child.next<{ watchedCount: number; seconds: number; error?: string }>('grown');
  t.child.process.stdin?.write(`${JSON.stringify({ target })}\n`);
  const out = await answer;
  if (out.error) throw new Error(`seeding ${target} articles failed: ${out.error}`);
  t.watchedCount = out.watchedCount;
  return out.seconds;
}

/** Times `n` requests in a row (ms each): the watched feed through the feeds app, or its Query alone. */
const timed = (n: number, request: () => Promise<void>) =>
  repeat(n, async () => {
    const start = now();
    await request();
    return now() - start;
  });
const timeFeed = (t: Table, n: number) =>
  timed(n, async () => {
    const path = `/topics/${encodeURIComponent(t.watchedFeed)}/rss.xml`;
    const res = await t.app({ method: 'GET', path, headers: { 'accept-encoding': 'gzip' } });
    if (res.status !== 200) throw new Error(`the feeds app answered ${res.status} to ${path}`);
  });
const timeQuery = (t: Table, n: number) =>
  timed(n, async () => {
    const page = await t.store.queryEntries(t.watchedFeed, 50);
    if (page.entries.length !== 50)
      throw new Error(`the query returned ${page.entries.length} entries, not 50`);
  });

export async function scaleRow(ctx: BenchContext): Promise<RowResult> {
  const sizes = ctx.quick ? [1000, 10_000] : [1000, 3000, 10_000, 30_000, 100_000];
  const [small, big] = [sizes[0], sizes.at(-1)] as [number, number];
  const seed = { bases: ctx.quick ? 500 : 2000, seed: ctx.seed };
  const tables: Table[] = [];
  try {
    // Both tables start (and the small one is seeded) side by side.
    const [a, b] = await Promise.all([
      startTable(1024, seed).then(async (t) => {
        tables.push(t);
        await grow(t, small);
        return t;
      }),
      startTable(8192, seed).then((t) => {
        tables.push(t);
        return t;
      }),
    ]);
    const slug = b.watchedFeed;

    // One size after the other, the big table growing.
    const points = await mapLimit(sizes, 1, async (size) => {
      const seedSeconds = await grow(b, size);
      await timeFeed(b, 5); // warm-up
      // Three short rounds, each summarized by its own quantiles, then the median of the rounds: a burst of
      // other work on the shared machine spoils one round, not the point.
      const rounds = await repeat(3, async () => ({
        feed: await timeFeed(b, 15),
        query: await timeQuery(b, 40),
      }));
      const of = (pick: (r: (typeof rounds)[number]) => number[], q: number) =>
        median(rounds.map((r) => quantile(pick(r), q)));
      const point = {
        articles: size,
        p50: of((r) => r.feed, 0.5),
        p90: of((r) => r.feed, 0.9),
        queryP50: of((r) => r.query, 0.5),
        queryP90: of((r) => r.query, 0.9),
        seedSeconds: Number(seedSeconds.toFixed(1)),
      };
      ctx.progress(
        `row 5: ${size.toLocaleString('en-US')} articles (seeded in ${seedSeconds.toFixed(0)} s): feed p50 ${point.p50.toFixed(1)} ms`,
      );
      return point;
    });

    // Alternating rounds on the two tables; each round gives one p50 per table, the figure is their median.
    await timeFeed(a, 5);
    const alternating = await repeat(ctx.runs, async () => [
      median(await timeFeed(a, 15)),
      median(await timeFeed(b, 15)),
      median(await timeQuery(a, 40)),
      median(await timeQuery(b, 40)),
    ]);
    const [feedSmall, feedBig, querySmall, queryBig] = [0, 1, 2, 3].map((k) =>
      alternating.map((r) => r[k] as number),
    ) as [number[], number[], number[], number[]];
    const watched = b.watchedCount;
    const mem = rssMb(b.child.pid);
    return {
      figures: [
        compare(
          '5a',
          `50-item feed of "${slug}", uncached, p50: ${big.toLocaleString('en-US')} vs ${small.toLocaleString('en-US')} articles`,
          measure(`${big} articles`, 'ms', feedBig),
          measure(`${small} articles`, 'ms', feedSmall),
          { on: 'ratio', op: '<=', limit: 1.2 },
          `caches off: every request reads the metadata, queries and renders; "${slug}" holds ${watched.toLocaleString('en-US')} of the ${big.toLocaleString('en-US')} articles; p50 / p90 by table size: ${points.map((p) => `${p.articles / 1000}k ${p.p50.toFixed(1)} / ${p.p90.toFixed(1)} ms`).join(', ')}`,
        ),
        compare(
          '5b',
          `its Query alone (50 items), p50`,
          measure(`${big} articles`, 'ms', queryBig),
          measure(`${small} articles`, 'ms', querySmall),
          undefined,
          `dynalite in memory${mem ? ` (${Math.round(mem)} MB resident with ${big.toLocaleString('en-US')} articles)` : ''}`,
        ),
      ],
      data: { slug, points },
    };
  } finally {
    for (const t of tables) {
      t.client.destroy();
      await t.child.stop();
    }
  }
}
