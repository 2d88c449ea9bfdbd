/**
 * Row 2, local ingest end to end against raw BatchWriteItem, and row 8, drop to feed, through one local stack
 * in its own process (the method: docs/PERFORMANCE.md, "How each row is measured").
 */

import { join } from 'node:path';
import { type AttributeValue, BatchWriteItemCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseArticle } from '../../../shared/article/article.js';
import { ALL } from '../../../shared/article/model.js';
import { DynamoStore, tableDefinition } from '../../../shared/store/dynamodb.js';
import { meterClient, scanItems } from '../../lib/capacity.js';
import { generateCorpus } from '../../lib/corpus.js';
import { type StackHandle, startStack } from '../../lib/stack.js';
import { mapLimit, median, now, quantile, sleep, waitFor } from '../../lib/stats.js';
import { type BenchContext, compare, failed, measure, measuredOnce, type RowResult } from '../lib/report.js';

const UPLOAD_CONCURRENCY = 16;

/** Expected article count of every feed after ingesting `files`. */
function expectedCounts(texts: string[]): Map<string, number> {
  const counts = new Map<string, number>([[ALL, texts.length]]);
  const topics = texts.flatMap((text) => parseArticle(text).article.entry.topics);
  for (const t of topics) counts.set(t.slug, (counts.get(t.slug) ?? 0) + 1);
  return counts;
}

async function batchWrite(stack: StackHandle, table: string, items: Record<string, AttributeValue>[]) {
  const batches: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await mapLimit(batches, 8, async (batch) => {
    let request: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> | undefined = {
      [table]: batch.map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(500, 10 * 2 ** attempt));
      const out = await stack.dynamo.send(new BatchWriteItemCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
  });
}

/** Rows 2 and 8 share one stack: row 8 drops into the table row 2 filled (or one seeded with 300 articles). */
export const ingestRows = measuredOnce(measureIngest);

async function measureIngest(ctx: BenchContext): Promise<{ ingest?: RowResult; drop?: RowResult }> {
  const count = ctx.quick ? 1000 : 10_000;
  const both = ctx.selected.includes(2);
  const stack = await startStack({
    root: join(ctx.tmp, 'ingest'),
    seedCount: both ? 0 : 300,
    seed: ctx.seed + 1,
  });
  // Each row fails on its own: row 8 still runs when row 2 fails.
  const settle = (row: number, title: string, run: () => Promise<RowResult>) =>
    run().catch((error): RowResult => ({ figures: [failed(String(row), title, error)] }));
  try {
    return {
      ingest: both
        ? await settle(2, 'local ingest end to end', () => ingestRow(ctx, stack, count))
        : undefined,
      drop: ctx.selected.includes(8)
        ? await settle(8, 'drop to feed', () => dropRow(ctx, stack, both ? count : 300))
        : undefined,
    };
  } finally {
    await stack.close();
  }
}

async function ingestRow(ctx: BenchContext, stack: StackHandle, count: number): Promise<RowResult> {
  const files = [...generateCorpus({ count, seed: ctx.seed })];
  const expected = expectedCounts(files.map((f) => f.text));
  const store = new DynamoStore(stack.dynamo, stack.info.tableName);

  const start = now();
  let uploaded = 0;
  const uploads = mapLimit(files, UPLOAD_CONCURRENCY, async (f) => {
    await stack.s3.send(new PutObjectCommand({ Bucket: stack.info.bucket, Key: f.key, Body: f.text }));
    uploaded++;
  }).then(() => (now() - start) / 1000);
  let last = 0;
  await waitFor(
    `${count} articles in the feeds`,
    async () => {
      const all = (await store.getTopic(ALL))?.count ?? 0;
      if (now() - last > 10_000) {
        last = now();
        ctx.progress(`row 2: ${uploaded} uploaded, ${all} in the all-articles feed`);
      }
      if (all < count) return undefined;
      const metas = await store.getTopics([...expected.keys()]);
      return [...expected].every(([slug, n]) => metas.get(slug)?.count === n) ? true : undefined;
    },
    20 * 60_000,
    250,
  );
  const uploadSeconds = await uploads;
  const oursSeconds = (now() - start) / 1000;
  ctx.progress(`row 2: ${count} files in the feeds after ${oursSeconds.toFixed(1)} s; baseline next`);

  const items = await scanItems(stack.dynamo, stack.info.tableName);
  const meter = meterClient(stack.dynamo);
  const baseRuns: number[] = [];
  for (let r = 0; r < (ctx.quick ? 1 : 3); r++) {
    const table = `baseline-${r}`;
    await stack.dynamo.send(new CreateTableCommand(tableDefinition(table)));
    meter.reset();
    const t = now();
    await batchWrite(stack, table, items);
    baseRuns.push((now() - t) / 1000);
  }
  const baseUnits = meter.totals();
  const ours = measure('ingest', 's', [oursSeconds]);
  return {
    figures: [
      compare(
        '2a',
        `${count.toLocaleString('en-US')} files uploaded to S3 until all are in the feeds`,
        ours,
        measure('raw BatchWriteItem', 's', baseRuns),
        { on: 'ratio', op: '<=', limit: 1.5 },
        `one run of ours (uploads done after ${uploadSeconds.toFixed(1)} s, ${UPLOAD_CONCURRENCY} at a time); baseline: the ${items.length.toLocaleString('en-US')} items ingest left, median of ${baseRuns.length}`,
      ),
      compare(
        '2b',
        'ingest throughput',
        measure('ingest', 'articles/s', [count / oursSeconds]),
        measure(
          'raw BatchWriteItem',
          'articles/s',
          baseRuns.map((s) => count / s),
        ),
      ),
      compare(
        '2c',
        'items per article; write units per article of the baseline',
        measure('items', 'items', [items.length / count]),
        undefined,
        undefined,
        `writing each final item once costs ${(baseUnits.write / count).toFixed(1)} write units per article (dynalite); ingest's own units are row 7`,
      ),
    ],
    data: { files: count, items: items.length, oursSeconds, uploadSeconds, baseRuns },
  };
}

/** The current time as the article's date, so that it lands on the first page of its feed. */
const publishedNow = (text: string) =>
  text.replace(
    /^publishedDateTime: .*$/m,
    `publishedDateTime: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
  );

async function dropRow(ctx: BenchContext, stack: StackHandle, articles: number): Promise<RowResult> {
  const drops = ctx.quick ? 20 : 100;
  const store = new DynamoStore(stack.dynamo, stack.info.tableName);
  const files = [...generateCorpus({ count: drops, seed: ctx.seed + 7 })];
  const toFeed: number[] = [];
  const toTable: number[] = [];
  for (const [i, f] of files.entries()) {
    const text = publishedNow(f.text);
    const { article } = parseArticle(text);
    const slug = article.entry.topics[0]?.slug as string;
    const url = `${stack.info.feeds}/topics/${encodeURIComponent(slug)}/feed.json`;
    await stack.s3.send(
      new PutObjectCommand({ Bucket: stack.info.bucket, Key: `drops/${f.key}`, Body: text }),
    );
    const acked = now();
    const inTable = waitFor(
      'the article record',
      async () => {
        const record = await store.getArticle(article.articleId);
        return record && !record.pending ? now() : undefined;
      },
      30_000,
      5,
    );
    await waitFor(
      `${f.key} in ${url}`,
      async () => {
        const res = await fetch(url);
        if (res.status === 404) return undefined; // the topic's first article is not in yet
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
        const feed = (await res.json()) as { items?: { id: string }[] };
        return feed.items?.some((item) => item.id === article.entry.id) ? true : undefined;
      },
      30_000,
      10,
    );
    toFeed.push(now() - acked);
    toTable.push((await inTable) - acked);
    if ((i + 1) % 25 === 0)
      ctx.progress(`row 8: ${i + 1}/${drops} drops, p50 so far ${median(toFeed).toFixed(0)} ms`);
  }
  const feedRuns = measure('drop to feed', 'ms', toFeed);
  const where = `upload acknowledged → record complete in the table: p50 ${quantile(toTable, 0.5).toFixed(0)} ms, p99 ${quantile(toTable, 0.99).toFixed(0)} ms`;
  const table = `${articles.toLocaleString('en-US')} articles already in the table`;
  return {
    figures: (
      [
        ['8a', 0.5, 1000, `${where}; ${table}; the feed polled every 10 ms over HTTP (JSON Feed)`],
        ['8b', 0.99, 2000, undefined],
      ] as const
    ).map(([id, q, limit, note]) =>
      compare(
        id,
        `upload to article in its topic feed, p${q * 100} of ${drops}`,
        { ...feedRuns, value: quantile(toFeed, q) },
        undefined,
        { on: 'value', op: '<=', limit, unit: 'ms' },
        note,
      ),
    ),
    data: { toFeed, toTable },
  };
}
