/**
 * Row 7: DynamoDB capacity units of ingest, edits, a re-index and feed requests, the figures behind the cost
 * estimate (the method: docs/PERFORMANCE.md, "How each row is measured"; the meter: tools/lib/capacity.ts).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startDynamo, startS3 } from '../../../local/servers.js';
import { S3Objects } from '../../../shared/ingest/objects.js';
import { reconcileBucket } from '../../../shared/ingest/reconcile.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { itemBytes } from '../../../shared/store/limits.js';
import { FEEDS_CONFIG, QUIET, toolsFeedsApp, toolsIngester } from '../../lib/app.js';
import { type CapacityTotals, describeRequests, meterClient, scanItems } from '../../lib/capacity.js';
import { generateCorpus } from '../../lib/corpus.js';
import { mapLimit, now, quantile } from '../../lib/stats.js';
import { type BenchContext, type RowResult, single } from '../lib/report.js';

const TABLE = 'feedbucket';
const BUCKET = 'articles';

export async function capacityRow(ctx: BenchContext): Promise<RowResult> {
  const count = ctx.quick ? 100 : 300;
  const [dynamo, s3] = await Promise.all([
    startDynamo(),
    startS3({ directory: mkdtempSync(join(ctx.tmp, 's3-')), buckets: [BUCKET] }),
  ]);
  try {
    await ensureTable(dynamo.client, TABLE);
    const meter = meterClient(dynamo.client);
    const store = new DynamoStore(dynamo.client, TABLE);
    const ingester = toolsIngester(store, new S3Objects(s3.client));
    const put = (key: string, text: string) =>
      s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: text }));
    let sequencer = 0;
    const apply = async (key: string) => {
      const outcome = await ingester.apply({
        kind: 'created',
        bucket: BUCKET,
        key,
        sequencer: (++sequencer).toString(16).padStart(16, '0'),
        eventTime: new Date(Date.UTC(2021, 3, 1, 0, 0, sequencer)).toISOString(),
      });
      if (outcome !== 'ingested') throw new Error(`${key} was ${outcome}, not ingested`);
    };
    /** The units `work` cost, and what it returned. */
    const metered = async <T>(work: () => Promise<T>): Promise<[CapacityTotals, T]> => {
      meter.reset();
      const result = await work();
      return [meter.totals(), result];
    };
    const files = [...generateCorpus({ count, seed: ctx.seed })];
    await mapLimit(files, 16, (f) => put(f.key, f.text));
    const [writes] = await metered(async () => {
      for (const f of files) await apply(f.key);
    });
    // An edit of a third of the files (same link and topics, new title): what an update costs.
    const edits = files.slice(0, Math.ceil(count / 3));
    const [edited] = await metered(async () => {
      for (const f of edits) {
        await put(f.key, f.text.replace(/^title: "(.*)"$/m, 'title: "$1 (updated)"'));
        await apply(f.key);
      }
    });
    const reindex = () =>
      reconcileBucket({ bucket: BUCKET, s3: s3.client, store, ingester, log: QUIET, force: true });
    const [reindexed, { listed }] = await metered(reindex);

    const items = await scanItems(dynamo.client, TABLE);
    const sizes = new Map<string, number[]>();
    for (const item of items) {
      const type = String(item.pk?.S).split('#')[0] as string;
      sizes.set(type, [...(sizes.get(type) ?? []), itemBytes(item)]);
    }
    const storage = items.reduce((s, i) => s + itemBytes(i) + 100, 0) / count;
    const topics = await store.listTopics();
    const top = [...topics].sort((a, b) => b.count - a.count)[0]?.slug as string;
    const memberships = topics.reduce((s, t) => s + t.count, 0) / count;

    const app = toolsFeedsApp(store, { metaTtlMs: 0 });
    const readsOf = async (path: string, headers: Record<string, string>, status: number, via = app) => {
      const [p, q = ''] = path.split('?');
      meter.reset();
      const started = now();
      const res = await via({ method: 'GET', path: p as string, query: new URLSearchParams(q), headers });
      if (res.status !== status) throw new Error(`${path} answered ${res.status}, not ${status}`);
      const body = res.body.toString();
      const [items, next] = [(body.match(/<item>/g) ?? []).length, /rel="next"/.test(body)];
      return { ...meter.totals(), etag: res.headers.etag as string, items, next, ms: now() - started };
    };
    const feed = `/topics/${encodeURIComponent(top)}/rss.xml`;
    const miss = await readsOf(feed, {}, 200);
    const withBody = (await store.queryEntries(top, 50)).facts.filter(
      (f) => f.bodyVersion !== undefined,
    ).length;
    const hit = await readsOf(feed, {}, 200);
    const notModified = await readsOf(feed, { 'if-none-match': miss.etag }, 304);
    const atom200 = await readsOf('/atom.xml?limit=200', {}, 200);
    const opml = await readsOf('/feeds.opml', {}, 200);

    // Tailored pages need a table larger than their read budgets: the same corpus grown to `grown` articles.
    const grown = ctx.quick ? 300 : 1000;
    const more = [...generateCorpus({ count: grown, seed: ctx.seed })].slice(count);
    await mapLimit(more, 16, (f) => put(f.key, f.text));
    for (const f of more) await apply(f.key);
    const [provider] = (await store.listProviders()).sort((a, b) => b.count - a.count);
    const [topic] = (await store.listTopics()).sort((a, b) => b.count - a.count);
    if (!provider || !topic) throw new Error('the corpus made no provider or topic');
    const tailored = toolsFeedsApp(store, { metaTtlMs: 0 });
    // Top stories over ten years: the window's whole read budget.
    const wide = toolsFeedsApp(store, { metaTtlMs: 0, config: { ...FEEDS_CONFIG, topWindowDays: 3650 } });
    const inTopic = `/topics/${encodeURIComponent(topic.slug)}`;
    const pages = await mapLimit(
      [
        '/rss.xml',
        `${inTopic}/rss.xml`,
        `/providers/${provider.domain}/rss.xml`,
        '/top/rss.xml',
        `${inTopic}/top/rss.xml`,
        '/rss.xml?minQuality=100',
        '/rss.xml?filter=storm&filter_case_sensitive=false',
        '/rss.xml?filter=no%20article%20says%20this',
        `${inTopic}/rss.xml?filterout_author=${provider.domain}&limit=20`,
        'top stories over ten years: /top/rss.xml',
      ],
      1,
      async (label) => {
        const path = label.replace(/^.*: /, '');
        return { label, ...(await readsOf(path, {}, 200, path === label ? tailored : wide)) };
      },
    );

    const per = (n: number) => n / count;
    const units = (id: string, label: string, value: number, note: string) =>
      single(id, label, 'units', value, note);
    const perArticle = (t: CapacityTotals, n: number) =>
      describeRequests(
        Object.fromEntries(Object.entries(t.requests).map(([op, k]) => [op, Number((k / n).toFixed(1))])),
      );
    const kb = (q: number, s: number[]) => `${(quantile(s, q) / 1024).toFixed(1)} KB`;
    const bySize = [...sizes].map(
      ([type, s]) => `${type} ${s.length} × median ${kb(0.5, s)} (p95 ${kb(0.95, s)})`,
    );
    return {
      figures: [
        units(
          '7a',
          'write units per new article (table + index)',
          per(writes.write + writes.indexWrite),
          `${per(writes.write).toFixed(1)} table (dynalite) + ${per(writes.indexWrite).toFixed(1)} index (computed); ${perArticle(writes, count)} per article; ${per(writes.read).toFixed(1)} read units; ${count} corpus files, ${memberships.toFixed(1)} topics each`,
        ),
        single(
          '7b',
          'items per article in the table',
          'items',
          per(items.length),
          'article, file record, one feed entry per topic and one in the all-articles feed, plus topic metadata',
        ),
        units(
          '7c',
          'read units per full feed, render cache miss',
          miss.read,
          `${describeRequests(miss.requests, miss.consistent, miss.units)}; 50 items of "${top}", ${withBody} with a body (read from their articles)`,
        ),
        units(
          '7d',
          'read units per full feed, render cache hit',
          hit.read,
          describeRequests(hit.requests, hit.consistent),
        ),
        units(
          '7e',
          'read units per 304',
          notModified.read,
          `${describeRequests(notModified.requests, notModified.consistent)}; measured with metadata reuse off: with it on (the default), requests close together share one read`,
        ),
        units(
          '7f',
          'write units per edited article (same topics)',
          (edited.write + edited.indexWrite) / edits.length,
          `${(edited.read / edits.length).toFixed(2)} read units; ${perArticle(edited, edits.length)} per edit; ${edits.length} edits`,
        ),
        units(
          '7g',
          'write units per file of a re-index, contents unchanged',
          (reindexed.write + reindexed.indexWrite) / listed,
          `${(reindexed.read / listed).toFixed(2)} read units per file; ${describeRequests(reindexed.requests)} for ${listed} files`,
        ),
        units(
          '7h',
          'read units per 200-item all-articles feed (Atom)',
          atom200.read,
          `${describeRequests(atom200.requests, atom200.consistent)}; the OPML of every topic: ${opml.read} units`,
        ),
        single(
          '7i',
          'table storage per article',
          'bytes',
          storage,
          `item sizes plus 100 bytes per item; items by type (A article, F feed entry, K file, T topic): ${bySize.join(', ')}`,
        ),
        ...pages.map((page, i) =>
          units(
            `7${'jklmnopqrs'[i]}`,
            `read units per page, ${grown.toLocaleString('en-US')} articles: ${page.label}`,
            page.read,
            `${page.items} items; ${describeRequests(page.requests, page.consistent)}; next page ${page.next ? 'linked' : 'none'}; ${page.ms.toFixed(0)} ms; ALL ${grown}, "${topic.slug}" ${topic.count}, ${provider.domain} ${provider.count}`,
          ),
        ),
      ],
      data: {
        articles: count,
        writes,
        edited,
        reindexed,
        itemsPerArticle: per(items.length),
        miss,
        hit,
        notModified,
        atom200,
        opml,
        tailored: pages,
      },
    };
  } finally {
    await Promise.all([dynamo.close(), s3.close()]);
  }
}
