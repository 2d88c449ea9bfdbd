/**
 * Read units of provider, top-stories and filtered feed pages (render-cache misses), measured like the
 * bench's row 7: the real ingest core writes a generated corpus through the DynamoDB adapter into dynalite,
 * then the real feeds app (metadata reuse off) answers each URL once; units come from ReturnConsumedCapacity
 * (tools/lib/capacity.ts). Run: `npx tsx tools/bench/tailored-reads.ts [articles]` (default 1000).
 */
import { startDynamo } from '../../local/servers.js';
import { createFeedsApp } from '../../shared/feeds/app.js';
import { Ingester } from '../../shared/ingest/ingester.js';
import { DynamoStore, ensureTable } from '../../shared/store/dynamodb.js';
import { toolsFeedsApp as benchFeedsApp, QUIET as QUIET_LOG } from '../lib/app.js';
import { meterClient } from '../lib/capacity.js';
import { DEFAULT_SEED, generateCorpus } from '../lib/corpus.js';

const TABLE = 'feedbucket';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const dynamo = await startDynamo();
  try {
    await ensureTable(dynamo.client, TABLE);
    const meter = meterClient(dynamo.client);
    const store = new DynamoStore(dynamo.client, TABLE);
    const files = [...generateCorpus({ count, seed: DEFAULT_SEED })];
    const bodies = new Map(files.map((f) => [f.key, Buffer.from(f.text)]));
    const ingester = new Ingester({
      store,
      objects: { get: async (_b, key) => ({ body: bodies.get(key) as Buffer, eTag: key }) },
      log: QUIET_LOG,
      maxObjectBytes: 1024 * 1024,
    });
    let sequencer = 0;
    for (const f of files) {
      await ingester.apply({
        kind: 'created',
        bucket: 'articles',
        key: f.key,
        sequencer: (++sequencer).toString(16),
        eventTime: new Date(Date.UTC(2021, 3, 1, 0, 0, sequencer)).toISOString(),
      });
    }
    const [provider] = (await store.listProviders()).sort((a, b) => b.count - a.count);
    const [topic] = (await store.listTopics()).sort((a, b) => b.count - a.count);
    if (!provider || !topic) throw new Error('the corpus made no provider or topic');
    const app = benchFeedsApp(store, { metaTtlMs: 0 });
    // Top stories over ten years: the window's whole read budget.
    const wide = createFeedsApp({
      store,
      config: {
        siteTitle: 'feedbucket',
        maxAge: 300,
        staleWhileRevalidate: 3600,
        defaultLimit: 50,
        maxLimit: 200,
        topWindowDays: 3650,
      },
      log: QUIET_LOG,
      metaTtlMs: 0,
    });
    const urls = [
      '/rss.xml',
      `/topics/${encodeURIComponent(topic.slug)}/rss.xml`,
      `/providers/${provider.domain}/rss.xml`,
      '/top/rss.xml',
      `/topics/${encodeURIComponent(topic.slug)}/top/rss.xml`,
      '/rss.xml?minQuality=100',
      '/rss.xml?filter=storm&filter_case_sensitive=false',
      '/rss.xml?filter=no%20article%20says%20this',
      `/topics/${encodeURIComponent(topic.slug)}/rss.xml?filterout_author=${provider.domain}&limit=20`,
    ];
    console.log(
      `${count} articles; ALL ${count}, topic "${topic.slug}" ${topic.count}, provider ${provider.domain} ${provider.count}`,
    );
    for (const path of [...urls, 'wide /top/rss.xml']) {
      const q = path.indexOf('?');
      meter.reset();
      const started = performance.now();
      const res = await (path.startsWith('wide ') ? wide : app)({
        method: 'GET',
        path: (q < 0 ? path : path.slice(0, q)).replace('wide ', ''),
        query: new URLSearchParams(q < 0 ? '' : path.slice(q + 1)),
        headers: { host: 'feeds.example.org' },
      });
      const ms = performance.now() - started;
      const t = meter.totals();
      const body = res.body.toString();
      const items = (body.match(/<item>/g) ?? []).length;
      const ops = Object.entries(t.requests)
        .map(([op, n]) => `${n} ${op}`)
        .join(' + ');
      console.log(
        `${res.status} ${path}: ${items} items, ${t.read} read units (${ops}), ${ms.toFixed(0)} ms, next ${/rel="next"/.test(body) ? 'yes' : 'no'}`,
      );
    }
  } finally {
    await dynamo.close();
  }
}

await main();
