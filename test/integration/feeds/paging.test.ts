/**
 * Every article is reachable: articles of every size ingest accepts (up to the largest table item), their text
 * made of the characters that escape worst (`<>&"`), go through the real ingest core into dynalite; the real
 * feeds app, behind its Lambda adapter, is then walked by its next links in every format at several page sizes,
 * for a topic, merged topics and the all-articles feed. Each walk must show every article once, and every
 * answer (identity, gzip and br) must fit the 6 MB a Function URL can return, counted as Lambda counts it.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaHandler } from '../../../functions/feeds/lambda.js';
import { MAX_RESPONSE_PAYLOAD_BYTES, responsePayloadBytes } from '../../../local/function-url.js';
import { type LocalDynamo, startDynamo } from '../../../local/servers.js';
import { parseArticle } from '../../../shared/article/article.js';
import { createFeedsApp } from '../../../shared/feeds/app.js';
import { MAX_ITEM_BYTES, sizeProblem } from '../../../shared/ingest/fits.js';
import { Ingester } from '../../../shared/ingest/ingester.js';
import { DynamoStore, ensureTable } from '../../../shared/store/dynamodb.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { articleFile } from '../../support/articles.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';
import { CONFIG } from '../../support/feeds-fixtures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const WORST = '<>&"';
/** Oldest first: EXPANDERS articles that render largest for their size, then bodies of every size in turn. */
const EXPANDERS = 22;
const COUNT = EXPANDERS + 20;

/** Markdown of about `chars` characters, every one of them escaped in HTML. */
const worstBody = (chars: number) =>
  Array.from({ length: Math.ceil(chars / 400) }, () => WORST.repeat(100)).join('\n\n');

const topicsOf = (i: number) => ['A', ...(i % 2 === 0 ? ['B'] : []), ...(i % 3 === 0 ? ['C'] : [])];

/**
 * An article whose every shown field is as long as ingest allows and made of `&`, escaped in each place it
 * is shown (measured: the largest answer for the stored size, about 6 times).
 */
const expanderFile = (i: number) =>
  articleFile({
    title: '&'.repeat(1000),
    webUrl: `https://news.example.com/paging/${i}`,
    publishedDateTime: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
    excerpt: '&'.repeat(10_000),
    topics: [
      ...topicsOf(i),
      ...Array.from({ length: 10 - topicsOf(i).length }, (_, t) => `${t}${'&'.repeat(190)}`),
    ],
    extra: [
      'related:',
      ...Array.from(
        { length: 20 },
        (_, r) =>
          `  - title: "${'&'.repeat(1000)}"\n    webUrl: "https://r.example.com/${r}?a&b"\n    provider: "${'&'.repeat(500)}"`,
      ),
    ].join('\n'),
  });

const fileOf = (i: number, body: string) =>
  articleFile({
    title: `${i} ${WORST.repeat(40)}`,
    webUrl: `https://news.example.com/paging/${i}`,
    publishedDateTime: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
    excerpt: `${i} ${WORST.repeat(100)}`,
    topics: topicsOf(i),
    body,
  });

/** The longest worst-case body whose article ingest still accepts (measured as the store writes it). */
function largestBody(): string {
  const store = new MemoryStore();
  const sizeOf = (chars: number) => {
    const { article } = parseArticle(Buffer.from(fileOf(0, worstBody(chars))));
    return { article, bytes: Buffer.byteLength(JSON.stringify(article)) };
  };
  const fits = (chars: number) => sizeProblem(store, 'paging/0.md', sizeOf(chars).article) === undefined;
  const [a, b] = [sizeOf(4000).bytes, sizeOf(8000).bytes];
  let chars = Math.floor(4000 + ((MAX_ITEM_BYTES - a) * 4000) / (b - a));
  while (!fits(chars)) chars -= 400;
  while (fits(chars + 400)) chars += 400;
  return worstBody(chars);
}

let dynamo: LocalDynamo;
let handler: ReturnType<typeof lambdaHandler>;
const ids = { A: new Set<string>(), BC: new Set<string>() };

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTable(dynamo.client, 'paging');
  const store = new DynamoStore(dynamo.client, 'paging');
  const objects = new MemoryObjects();
  const log = new RecordingLog();
  const ingester = new Ingester({ store, objects, log, maxObjectBytes: 1024 * 1024 });
  const largest = largestBody();
  // No body, 1 KB, 30 KB, 150 KB and the largest, in turn.
  const bodies = ['', worstBody(200), worstBody(6000), worstBody(30_000), largest];
  const ingest = async (i: number) => {
    const key = `paging/${i}.md`;
    objects.put(key, i < EXPANDERS ? expanderFile(i) : fileOf(i, bodies[i % bodies.length] as string));
    const outcome = await ingester.apply({
      kind: 'created',
      bucket: 'articles',
      key,
      sequencer: (i + 1).toString(16),
      eventTime: '2024-02-01T00:00:00.000Z',
    });
    expect(outcome, JSON.stringify(log.errors())).toBe('ingested');
    const { articleId } = parseArticle(Buffer.from(fileOf(i, ''))).article;
    ids.A.add(`urn:uuid:${articleId}`);
    if (i % 2 === 0 || i % 3 === 0) ids.BC.add(`urn:uuid:${articleId}`);
  };
  // Several at a time, as Lambda runs the ingest function.
  for (let i = 0; i < COUNT; i += 6) {
    await Promise.all(Array.from({ length: Math.min(6, COUNT - i) }, (_, j) => ingest(i + j)));
  }
  handler = lambdaHandler(createFeedsApp({ store, config: CONFIG, log, metaTtlMs: 0 }));
}, 300_000);

afterAll(async () => {
  await dynamo?.close();
});

const event = (url: URL, encoding: string): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: { host: url.host, 'x-forwarded-proto': 'https', 'accept-encoding': encoding },
    requestContext: { http: { method: 'GET', path: url.pathname }, domainName: url.host },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

const unescapeXml = (s: string) => s.replace(/&amp;/g, '&');

/** The ids and the next link of one page of a feed, by format. */
function parsePage(format: string, body: string): { ids: string[]; next?: string } {
  if (format === 'feed.json') {
    const feed = JSON.parse(body) as { items: { id: string }[]; next_url?: string };
    return { ids: feed.items.map((i) => i.id), next: feed.next_url };
  }
  const link = /<(?:atom:)?link [^>]*rel="next"[^>]*>/.exec(body)?.[0];
  const next = link && /href="([^"]+)"/.exec(link)?.[1];
  const pattern =
    format === 'rss.xml' ? /<guid[^>]*>(urn:uuid:[^<]+)<\/guid>/g : /<id>(urn:uuid:[^<]+)<\/id>/g;
  return { ids: [...body.matchAll(pattern)].map((m) => m[1] as string), next: next && unescapeXml(next) };
}

let largestPayload = 0;

/** Follows next links from `first`; checks each answer's size in every coding. Returns the ids in order. */
async function walk(first: string, format: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let next: string | undefined = first;
  for (let pages = 0; next; pages++) {
    expect(pages, `${first}: too many pages`).toBeLessThan(COUNT + 2);
    const url = new URL(next);
    const plain = await handler(event(url, 'identity'));
    expect(plain.statusCode, next).toBe(200);
    for (const coding of ['gzip', 'br']) {
      const coded = await handler(event(url, coding));
      const bytes = responsePayloadBytes(coded);
      largestPayload = Math.max(largestPayload, bytes);
      expect(bytes, `${next} (${coding})`).toBeLessThanOrEqual(MAX_RESPONSE_PAYLOAD_BYTES);
    }
    const bytes = responsePayloadBytes(plain);
    largestPayload = Math.max(largestPayload, bytes);
    expect(bytes, next).toBeLessThanOrEqual(MAX_RESPONSE_PAYLOAD_BYTES);
    const page = parsePage(format, plain.body as string);
    expect(page.ids.length, next).toBeLessThanOrEqual(limit);
    expect(page.ids.length, `${next}: an empty page`).toBeGreaterThan(0);
    seen.push(...page.ids);
    next = page.next;
  }
  return seen;
}

const BASE = CONFIG.publicBaseUrl as string;
const FEEDS = [
  { name: 'a topic', path: '/topics/a', expected: () => ids.A, limits: [1, 6, 200] },
  { name: 'merged topics', path: '/topics/b,c', expected: () => ids.BC, limits: [5, 50] },
  { name: 'all articles', path: '', expected: () => ids.A, limits: [7, 200] },
];

describe('every article is reachable, and every page fits a Function URL', () => {
  for (const feed of FEEDS) {
    for (const format of ['rss.xml', 'atom.xml', 'feed.json']) {
      it(`${feed.name}, ${format}, limits ${feed.limits.join(', ')}`, async () => {
        for (const limit of feed.limits) {
          const seen = await walk(`${BASE}${feed.path}/${format}?limit=${limit}`, format, limit);
          expect(seen.length, `limit ${limit}`).toBe(new Set(seen).size);
          expect(new Set(seen), `limit ${limit}`).toEqual(feed.expected());
        }
      }, 120_000);
    }
  }

  it('had answers near the limit to check', () => {
    expect(largestPayload).toBeGreaterThan(MAX_RESPONSE_PAYLOAD_BYTES / 2);
  });
});
