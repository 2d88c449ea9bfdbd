/**
 * Row 7: DynamoDB capacity units. Write units per article: the real ingest core (the code the ingest Lambda
 * runs) applies upload events for corpus files to the real DynamoDB adapter against dynalite. Read units per
 * full feed (a render-cache miss, then a hit) and per 304: the real feeds app on the same table, its metadata
 * reuse off so each request pays its reads. Units come from ReturnConsumedCapacity (see lib/capacity.ts for
 * what dynalite reports and what is computed).
 */
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startDynamo } from '../../../local/servers.js';
import { Ingester } from '../../../shared/ingest/ingester.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { generateCorpus } from '../corpus.js';
import { meterClient } from '../lib/capacity.js';
import { benchFeedsApp, QUIET_LOG } from '../lib/feeds-app.js';
import { compare, type RowReport } from '../lib/report.js';
import type { BenchContext } from './context.js';

const TABLE = 'feedbucket';

export async function capacityRow(ctx: BenchContext): Promise<RowReport> {
  const count = ctx.quick ? 100 : 300;
  const dynamo = await startDynamo();
  try {
    await ensureTable(dynamo.client, TABLE);
    const meter = meterClient(dynamo.client);
    const store = new DynamoStore(dynamo.client, TABLE);
    const files = [...generateCorpus({ count, seed: ctx.seed })];
    const bodies = new Map(files.map((f) => [f.key, Buffer.from(f.text)]));
    const ingester = new Ingester({
      store,
      objects: { get: async (_bucket, key) => ({ body: bodies.get(key) as Buffer, eTag: key }) },
      log: QUIET_LOG,
      maxObjectBytes: 1024 * 1024,
    });
    const topics = new Map<string, number>();
    meter.reset();
    let sequencer = 0;
    for (const f of files) {
      const outcome = await ingester.apply({
        kind: 'created',
        bucket: 'articles',
        key: f.key,
        sequencer: (++sequencer).toString(16),
        eventTime: new Date(Date.UTC(2021, 3, 1, 0, 0, sequencer)).toISOString(),
      });
      if (outcome !== 'ingested') throw new Error(`${f.key} was ${outcome}, not ingested`);
    }
    const writes = meter.totals();
    let items = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamo.client.send(
        new ScanCommand({ TableName: TABLE, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      items += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    for (const t of await store.listTopics()) topics.set(t.slug, t.count);
    const top = [...topics].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    const memberships = [...topics.values()].reduce((s, n) => s + n, 0) / count;

    const app = benchFeedsApp(store, { metaTtlMs: 0 });
    const path = `/topics/${encodeURIComponent(top)}/rss.xml`;
    const readsOf = async (headers: Record<string, string>, status: number) => {
      meter.reset();
      const res = await app({ method: 'GET', path, headers });
      if (res.status !== status) throw new Error(`${path} answered ${res.status}, not ${status}`);
      const t = meter.totals();
      return {
        units: t.read,
        requests: t.requests,
        consistent: t.consistent,
        byOperation: t.units,
        etag: res.headers.etag as string,
      };
    };
    const miss = await readsOf({}, 200);
    const withBody = (await store.queryEntries(top, 50)).facts.filter(
      (f) => f.bodyVersion !== undefined,
    ).length;
    const hit = await readsOf({}, 200);
    const notModified = await readsOf({ 'if-none-match': miss.etag }, 304);
    const requests = (
      r: Record<string, number>,
      consistent: Record<string, number> = {},
      units: Record<string, number> = {},
    ) =>
      Object.entries(r)
        .map(([op, n]) => {
          const notes = [
            consistent[op] ? `${consistent[op] === n ? '' : `${consistent[op]} `}strongly consistent` : '',
            units[op] !== undefined ? `${units[op]} units` : '',
          ].filter(Boolean);
          return `${n} ${op}${notes.length ? ` (${notes.join(', ')})` : ''}`;
        })
        .join(' + ');
    const per = (n: number) => n / count;
    const m = (label: string, unit: 'units' | 'items', value: number) => ctx.measure(label, unit, [value]);
    return {
      row: 7,
      title: 'DynamoDB capacity units',
      figures: [
        compare(
          '7a',
          'write units per new article (table + index)',
          m('ingest', 'units', per(writes.write + writes.indexWrite)),
          undefined,
          undefined,
          `${per(writes.write).toFixed(1)} table (dynalite) + ${per(writes.indexWrite).toFixed(1)} index (computed); ${requests(
            Object.fromEntries(
              Object.entries(writes.requests).map(([op, n]) => [op, Number(per(n).toFixed(1))]),
            ),
          )} per article; ${count} corpus files, ${memberships.toFixed(1)} topics each`,
        ),
        compare(
          '7b',
          'items per article in the table',
          m('items', 'items', per(items)),
          undefined,
          undefined,
          'article, file record, one feed entry per topic and one in the all-articles feed, plus topic metadata',
        ),
        compare(
          '7c',
          'read units per full feed, render cache miss',
          m('miss', 'units', miss.units),
          undefined,
          undefined,
          `${requests(miss.requests, miss.consistent, miss.byOperation)}; 50 items of "${top}", ${withBody} with a body (read from their articles)`,
        ),
        compare(
          '7d',
          'read units per full feed, render cache hit',
          m('hit', 'units', hit.units),
          undefined,
          undefined,
          requests(hit.requests, hit.consistent),
        ),
        compare(
          '7e',
          'read units per 304',
          m('304', 'units', notModified.units),
          undefined,
          undefined,
          `${requests(notModified.requests, notModified.consistent)}; measured with metadata reuse off: with it on (the default), requests close together share one read`,
        ),
      ],
      data: { articles: count, writes, itemsPerArticle: per(items), miss, hit, notModified },
    };
  } finally {
    await dynamo.close();
  }
}
