/**
 * Row 5: latency of the 50-item feed of the most popular topic with 100,000 articles in the table, beside the
 * same with 1,000. Two dynalite processes (in memory): the small table stays at 1,000 articles, the big one
 * grows through 1k, 3k, 10k, 30k and 100k, measured at each size for the chart. The feed is requested from
 * the feeds app in this process with its caches off (metadata read, Query, render and compression on every
 * request: the path a change or a cold start takes); the Query alone is timed too. The final ratio comes
 * from rounds that alternate between the two tables.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FeedsApp } from '../../functions/feeds/app.js';
import type { FeedEntry } from '../../shared/model.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';
import type { LatencyPoint } from '../lib/chart.js';
import { benchFeedsApp } from '../lib/feeds-app.js';
import { beside, type Child, startChild } from '../lib/procs.js';
import { compare, type RowReport } from '../lib/report.js';
import { baseEntries, growTable, newSeedState, type SeedState, verifySeed } from '../lib/seed-table.js';
import { median, now, quantile, repeat } from '../lib/stats.js';
import type { BenchContext } from './context.js';

const TABLE = 'feedbucket';

interface Table {
  child: Child<{ endpoint: string }>;
  client: DynamoDBClient;
  store: DynamoStore;
  app: FeedsApp;
  state: SeedState;
}

async function startTable(slug: string, heapMb: number): Promise<Table> {
  const child = await startChild<{ endpoint: string }>(process.execPath, [
    `--max-old-space-size=${heapMb}`,
    '--import',
    'tsx',
    beside(import.meta.url, '../servers/dynamo.ts'),
  ]);
  const client = new DynamoDBClient({
    endpoint: child.info.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  await ensureTable(client, TABLE);
  const store = new DynamoStore(client, TABLE);
  const app = benchFeedsApp(store, { metaTtlMs: 0, cacheBytes: 0 });
  return { child, client, store, app, state: newSeedState(slug) };
}

async function timeFeed(t: Table, n: number): Promise<number[]> {
  const out: number[] = [];
  const path = `/topics/${encodeURIComponent(t.state.watchedFeed)}/rss.xml`;
  for (let i = 0; i < n; i++) {
    const start = now();
    const res = await t.app({ method: 'GET', path, headers: { 'accept-encoding': 'gzip' } });
    out.push(now() - start);
    if (res.status !== 200) throw new Error(`the feeds app answered ${res.status} to ${path}`);
  }
  return out;
}

async function timeQuery(t: Table, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = now();
    const page = await t.store.queryEntries(t.state.watchedFeed, 50);
    out.push(now() - start);
    if (page.entries.length !== 50)
      throw new Error(`the query returned ${page.entries.length} entries, not 50`);
  }
  return out;
}

const mostPopular = (bases: FeedEntry[]) => {
  const freq = new Map<string, number>();
  for (const e of bases) for (const t of e.topics) freq.set(t.slug, (freq.get(t.slug) ?? 0) + 1);
  return [...freq].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
};

export async function scaleRow(ctx: BenchContext): Promise<RowReport> {
  const sizes = ctx.quick ? [1000, 10_000] : [1000, 3000, 10_000, 30_000, 100_000];
  const big = sizes[sizes.length - 1] as number;
  const small = sizes[0] as number;
  const bases = baseEntries(ctx.quick ? 500 : 2000, ctx.seed);
  const slug = mostPopular(bases);
  const tables: Table[] = [];
  try {
    const a = await startTable(slug, 1024);
    tables.push(a);
    const b = await startTable(slug, 8192);
    tables.push(b);
    await growTable(a.client, TABLE, bases, a.state, small);
    await verifySeed(a.client, TABLE, a.state);

    const points: (LatencyPoint & { queryP90: number; seedSeconds: number })[] = [];
    for (const size of sizes) {
      const t = now();
      await growTable(b.client, TABLE, bases, b.state, size);
      await verifySeed(b.client, TABLE, b.state);
      const seedSeconds = (now() - t) / 1000;
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
      points.push(point);
      ctx.progress(
        `row 5: ${size.toLocaleString('en-US')} articles (seeded in ${seedSeconds.toFixed(0)} s): feed p50 ${point.p50.toFixed(1)} ms`,
      );
    }

    // Alternating rounds on the two tables; each round gives one p50 per table, the figure is their median.
    const feedSmall: number[] = [];
    const feedBig: number[] = [];
    const querySmall: number[] = [];
    const queryBig: number[] = [];
    await timeFeed(a, 5);
    for (let r = 0; r < ctx.runs; r++) {
      feedSmall.push(median(await timeFeed(a, 15)));
      feedBig.push(median(await timeFeed(b, 15)));
      querySmall.push(median(await timeQuery(a, 40)));
      queryBig.push(median(await timeQuery(b, 40)));
    }
    const watched = b.state.feedCounts.get(slug) ?? 0;
    const mem = readFileSync(`/proc/${b.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
    return {
      row: 5,
      title: 'feed latency against table size',
      figures: [
        compare(
          '5a',
          `50-item feed of "${slug}", uncached, p50: ${big.toLocaleString('en-US')} vs ${small.toLocaleString('en-US')} articles`,
          ctx.measure(`${big} articles`, 'ms', feedBig),
          ctx.measure(`${small} articles`, 'ms', feedSmall),
          { on: 'ratio', op: '<=', limit: 1.2 },
          `caches off: every request reads the metadata, queries and renders; "${slug}" holds ${watched.toLocaleString('en-US')} of the ${big.toLocaleString('en-US')} articles`,
        ),
        compare(
          '5b',
          `its Query alone (50 items), p50`,
          ctx.measure(`${big} articles`, 'ms', queryBig),
          ctx.measure(`${small} articles`, 'ms', querySmall),
          undefined,
          `dynalite in memory${mem ? ` (${Math.round(Number(mem) / 1024)} MB resident with ${big.toLocaleString('en-US')} articles)` : ''}`,
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
