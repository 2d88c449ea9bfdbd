/** The feeds app as a request -> response function, against MemoryStore (which counts its calls). */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { ALL } from '../../../shared/article/model.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { BASE, CONFIG, calls, entry, resetCalls, seed, testApp, text } from '../../support/feeds-fixtures.js';

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (n) => n === 'item',
});

/** A store with `n` articles in "election", every third also in "joe-biden". */
async function seeded(n: number, store = new MemoryStore()) {
  const entries = Array.from({ length: n }, (_, i) =>
    entry(i + 1, {
      topics:
        (i + 1) % 3 === 0
          ? [
              { slug: 'election', name: 'Election' },
              { slug: 'joe-biden', name: 'Joe Biden' },
            ]
          : [{ slug: 'election', name: 'Election' }],
    }),
  );
  await seed(store, entries);
  return store;
}

describe('routes and content types', () => {
  it.each([
    ['/topics/election/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/topics/election/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/topics/election/feed.json', 'application/feed+json; charset=utf-8'],
    ['/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/feed.json', 'application/feed+json; charset=utf-8'],
    ['/topics/election,joe-biden/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/topics.json', 'application/json; charset=utf-8'],
    ['/feeds.opml', 'text/x-opml; charset=utf-8'],
    ['/', 'text/html; charset=utf-8'],
    ['/topics/election', 'text/html; charset=utf-8'],
  ])('%s is %s, cacheable, with validators', async (path, type) => {
    const { get } = testApp({ store: await seeded(3) });
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['cache-control']).toBe(
      'public, max-age=300, stale-while-revalidate=3600, stale-if-error=86400',
    );
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers['last-modified']).toBe('Thu, 01 Apr 2021 00:00:00 GMT');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(text(res.body)));
  });

  it('serves 50 items by default and ?limit=1..200, newest first', async () => {
    const { get } = testApp({ store: await seeded(60) });
    const all = xml.parse(text((await get('/topics/election/rss.xml')).body)).rss.channel.item;
    expect(all).toHaveLength(50);
    expect(all[0].title).toBe('Story number 60');
    expect(all[49].title).toBe('Story number 11');
    const few = xml.parse(text((await get('/topics/election/rss.xml?limit=3')).body)).rss.channel.item;
    expect(few.map((i: { title: string }) => i.title)).toEqual([
      'Story number 60',
      'Story number 59',
      'Story number 58',
    ]);
  });

  it('merges topics newest first with each article once', async () => {
    const store = new MemoryStore();
    await seed(store, [
      entry(1, { topics: [{ slug: 'a', name: 'A' }] }),
      entry(2, {
        topics: [
          { slug: 'a', name: 'A' },
          { slug: 'b', name: 'B' },
        ],
      }),
      entry(3, { topics: [{ slug: 'b', name: 'B' }] }),
    ]);
    const { get } = testApp({ store });
    const feed = JSON.parse(text((await get('/topics/a,b/feed.json')).body));
    expect(feed.title).toBe('A + B · Example feeds');
    expect(feed.items.map((i: { title: string }) => i.title)).toEqual([
      'Story number 3',
      'Story number 2',
      'Story number 1',
    ]);
  });

  it('redirects a slug that is not canonical (case, diacritics, order, repeats) to the canonical URL', async () => {
    const { get } = testApp({ store: await seeded(3) });
    for (const [from, to] of [
      ['/topics/Election/rss.xml?limit=2', `${BASE}/topics/election/rss.xml?limit=2`],
      ['/topics/%C3%89lection', `${BASE}/topics/election`],
      ['/topics/joe-biden,election,election/atom.xml', `${BASE}/topics/election,joe-biden/atom.xml`],
      ['/topics/election/', `${BASE}/topics/election`],
      ['/topics', `${BASE}/`],
    ]) {
      const res = await get(from as string);
      expect(res.status, from).toBe(301);
      expect(res.headers.location).toBe(to);
    }
  });

  it('keeps non-Latin slugs, percent-encoded in every link', async () => {
    const store = new MemoryStore();
    await seed(store, [entry(1, { topics: [{ slug: '北朝鮮', name: '北朝鮮' }] })]);
    const { get } = testApp({ store });
    const path = `/topics/${encodeURIComponent('北朝鮮')}/atom.xml`;
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(text(res.body)).toContain(`<link rel="self" href="${BASE}${path}"/>`);
    const topics = JSON.parse(text((await get('/topics.json')).body));
    expect(topics.topics[0]).toMatchObject({
      slug: '北朝鮮',
      url: `${BASE}/topics/%E5%8C%97%E6%9C%9D%E9%AE%AE`,
    });
  });

  it('gives an empty, valid feed for a topic that exists but has no articles now', async () => {
    const store = await seeded(1);
    await store.deleteEntry('election', [...(store.feeds.get('election')?.keys() ?? [])][0] as string, 9);
    await store.touchTopic({
      slug: 'election',
      name: 'Election',
      countDelta: -1,
      at: '2021-05-01T00:00:00.000Z',
    });
    const { get } = testApp({ store });
    const res = await get('/topics/election/rss.xml');
    expect(res.status).toBe(200);
    const channel = xml.parse(text(res.body)).rss.channel;
    expect(channel.item).toBeUndefined();
    expect(channel.lastBuildDate).toBe('Sat, 01 May 2021 00:00:00 GMT');
  });
});

describe('errors', () => {
  it('answers an unknown topic with 404 pointing to /topics.json, and logs it with the path', async () => {
    const { get, log } = testApp({ store: await seeded(1) });
    const res = await get('/topics/nope/rss.xml');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text(res.body)).toContain('"nope"');
    expect(text(res.body)).toContain(`${BASE}/topics.json`);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        extra: expect.objectContaining({ path: '/topics/nope/rss.xml', status: 404 }),
      }),
    );
  });

  it('names the unknown ones among merged topics', async () => {
    const { get } = testApp({ store: await seeded(3) });
    const res = await get('/topics/election,ghost/rss.xml');
    expect(res.status).toBe(404);
    expect(text(res.body)).toContain('"ghost"');
    expect(text(res.body)).not.toContain('"election"');
  });

  it.each([
    ['/topics/election/rss.xml?limit=abc', 'limit must be a whole number from 1 to 200, got "abc"'],
    ['/topics/election/rss.xml?limit=100000', 'got "100000"'],
    ['/topics/election/rss.xml?limit=0', 'got "0"'],
    ['/topics/election/rss.xml?limit=-1', 'got "-1"'],
    ['/topics/election/rss.xml?cursor=forged', 'cursor is malformed'],
    ['/feeds.opml?format=xml', 'format must be rss, atom or json, got "xml"'],
    ['/topics/%E0%A4%A/rss.xml', 'not valid percent-encoding'],
    [`/topics/${Array.from({ length: 21 }, (_, i) => `t${i}`).join(',')}/rss.xml`, 'at most 20 topics'],
  ])('%s is a 400 that says why', async (path, reason) => {
    const { get, log } = testApp({ store: await seeded(1) });
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(text(res.body)).toContain(reason);
    expect(log.lines.some((l) => l.level === 'warn' && l.extra.path === path.split('?')[0])).toBe(true);
  });

  it('refuses other methods with 405 and Allow', async () => {
    const { get } = testApp({ store: await seeded(1) });
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await get('/rss.xml', {}, method);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  it('answers unknown paths with 404', async () => {
    const { get } = testApp({ store: await seeded(1) });
    for (const path of ['/nope', '/topics/election/rss', '/topics/election/x/rss.xml', '/rss.xml/']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('never shows a stack trace: a failing store is a 500 with a generic body, logged with the path', async () => {
    const store = await seeded(2);
    store.getTopic = async () => {
      throw new Error('connection reset by peer at secret-host:8000');
    };
    const { get, log } = testApp({ store });
    const res = await get('/topics/election/rss.xml');
    expect(res.status).toBe(500);
    expect(text(res.body)).toBe('Internal error: the feed could not be served. Try again later.\n');
    expect(res.headers['cache-control']).toBe('no-store');
    const line = log.lines.find((l) => l.level === 'error');
    expect(line?.extra.path).toBe('/topics/election/rss.xml');
    expect(String((line?.extra.error as Error | undefined)?.message)).toContain('connection reset');
  });

  it('answers throttling with 503 and Retry-After', async () => {
    const store = await seeded(2);
    store.queryEntries = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    };
    const { get } = testApp({ store });
    const res = await get('/topics/election/atom.xml');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('conditional requests and caching', () => {
  it('answers If-None-Match with 304 after one metadata read, reading no items', async () => {
    const store = await seeded(5);
    const { get } = testApp({ store });
    const first = await get('/topics/election/rss.xml');
    resetCalls(store);
    const res = await get('/topics/election/rss.xml', { 'if-none-match': first.headers.etag as string });
    expect(res.status).toBe(304);
    expect(res.body).toBe('');
    expect(res.headers.etag).toBe(first.headers.etag);
    expect(res.headers['cache-control']).toBe(first.headers['cache-control']);
    expect(calls(store)).toEqual({ getTopic: 1 });
  });

  it('answers 304 from metadata alone even when nothing was rendered yet (another instance made the ETag)', async () => {
    const store = await seeded(5);
    const etag = (await testApp({ store }).get('/topics/election/rss.xml')).headers.etag as string;
    resetCalls(store);
    const res = await testApp({ store }).get('/topics/election/rss.xml', {
      'if-none-match': `W/${etag}, "other"`,
    });
    expect(res.status).toBe(304);
    expect(calls(store)).toEqual({ getTopic: 1 });
  });

  it('answers If-Modified-Since with 304 when nothing changed since, 200 otherwise', async () => {
    const store = await seeded(5);
    const { get } = testApp({ store });
    const lastModified = (await get('/topics/election/rss.xml')).headers['last-modified'] as string;
    resetCalls(store);
    expect((await get('/topics/election/rss.xml', { 'if-modified-since': lastModified })).status).toBe(304);
    expect(calls(store)).toEqual({ getTopic: 1 });
    const earlier = 'Wed, 31 Mar 2021 23:59:59 GMT';
    expect((await get('/topics/election/rss.xml', { 'if-modified-since': earlier })).status).toBe(200);
  });

  it('gives merged topics one batch read for a 304', async () => {
    const store = await seeded(6);
    const { get } = testApp({ store });
    const etag = (await get('/topics/election,joe-biden/rss.xml')).headers.etag as string;
    resetCalls(store);
    expect((await get('/topics/election,joe-biden/rss.xml', { 'if-none-match': etag })).status).toBe(304);
    expect(calls(store)).toEqual({ getTopics: 1 });
  });

  it('serves a warm feed from the cache: one metadata read, no query', async () => {
    const store = await seeded(5);
    const { get } = testApp({ store });
    const first = await get('/topics/election/atom.xml');
    resetCalls(store);
    const again = await get('/topics/election/atom.xml');
    expect(calls(store)).toEqual({ getTopic: 1 });
    expect(text(again.body)).toBe(text(first.body));
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it('changes the ETag and the body when the topic changes, and only then', async () => {
    const store = await seeded(5);
    const { get } = testApp({ store });
    const before = await get('/topics/election/rss.xml');
    expect((await get('/topics/election/rss.xml')).headers.etag).toBe(before.headers.etag);
    await seed(store, [entry(99)], '2021-04-02T00:00:00.000Z');
    const res = await get('/topics/election/rss.xml', { 'if-none-match': before.headers.etag as string });
    expect(res.status).toBe(200);
    expect(res.headers.etag).not.toBe(before.headers.etag);
    expect(res.headers['last-modified']).toBe('Fri, 02 Apr 2021 00:00:00 GMT');
    expect(text(res.body)).toContain('Story number 99');
  });

  it('reuses metadata for metaTtlMs, then reads again', async () => {
    const store = await seeded(2);
    let now = 1_000_000;
    const { get } = testApp({ store, metaTtlMs: 1000, now: () => now });
    await get('/rss.xml');
    resetCalls(store);
    await get('/rss.xml');
    await get('/rss.xml');
    expect(calls(store)).toEqual({});
    now += 1000;
    await get('/rss.xml');
    expect(calls(store)).toEqual({ getTopic: 1 });
  });

  it('reads metadata again after tableChanged, within the reuse window', async () => {
    const store = await seeded(2);
    const { app, get } = testApp({ store, metaTtlMs: 60_000 });
    const before = await get('/rss.xml');
    await seed(store, [entry(3)], '2021-04-02T00:00:00.000Z');
    expect((await get('/rss.xml')).headers.etag).toBe(before.headers.etag);
    resetCalls(store);
    app.tableChanged?.();
    const after = await get('/rss.xml');
    expect(calls(store).getTopic).toBe(1);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(text(after.body)).toContain('Story number 3');
  });

  it('renders once for concurrent misses', async () => {
    const store = await seeded(5);
    const { get } = testApp({ store });
    resetCalls(store);
    const answers = await Promise.all(Array.from({ length: 5 }, () => get('/topics/election/feed.json')));
    expect(new Set(answers.map((a) => a.headers.etag)).size).toBe(1);
    expect(calls(store).queryEntries).toBe(1);
  });
});

describe('compression and HEAD', () => {
  it('sends br, else gzip, else identity, each with its own ETag, all the same content', async () => {
    const { get } = testApp({ store: await seeded(20) });
    const plain = await get('/topics/election/rss.xml');
    const gz = await get('/topics/election/rss.xml', { 'accept-encoding': 'gzip, deflate' });
    const br = await get('/topics/election/rss.xml', { 'accept-encoding': 'gzip, deflate, br' });
    const noBr = await get('/topics/election/rss.xml', { 'accept-encoding': 'br;q=0, gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(noBr.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body as Buffer).toString()).toBe(text(plain.body));
    expect(brotliDecompressSync(br.body as Buffer).toString()).toBe(text(plain.body));
    expect(Number(br.headers['content-length'])).toBe((br.body as Buffer).length);
    expect(new Set([plain.headers.etag, gz.headers.etag, br.headers.etag]).size).toBe(3);
    // A client holding any coding's ETag has the content.
    const res = await get('/topics/election/rss.xml', { 'if-none-match': gz.headers.etag as string });
    expect(res.status).toBe(304);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const { get } = testApp({ store: await seeded(3) });
    const getRes = await get('/topics/election/feed.json', { 'accept-encoding': 'gzip' });
    const head = await get('/topics/election/feed.json', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers).toEqual(getRes.headers);
  });
});

describe('paging (RFC 5005)', () => {
  /** Follows next links from the first page; returns the ids in order and the number of pages. */
  async function walk(get: ReturnType<typeof testApp>['get'], first: string) {
    const ids: string[] = [];
    let url: string | undefined = first;
    let pages = 0;
    while (url) {
      const res = await get(url.replace(BASE, ''));
      expect(res.status).toBe(200);
      const feed = JSON.parse(text(res.body));
      ids.push(...feed.items.map((i: { id: string }) => i.id));
      url = feed.next_url;
      pages++;
    }
    return { ids, pages };
  }

  it('yields every item exactly once, newest first, from a topic', async () => {
    const { get } = testApp({ store: await seeded(23) });
    const { ids, pages } = await walk(get, '/topics/election/feed.json?limit=5');
    expect(pages).toBe(5);
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => entry(23 - i).id));
  });

  it('yields every item exactly once from merged topics and from all articles', async () => {
    const store = new MemoryStore();
    const entries = Array.from({ length: 17 }, (_, i) =>
      entry(i, {
        topics: [
          ...(i % 2 === 0 ? [{ slug: 'even', name: 'Even' }] : []),
          ...(i % 3 === 0 ? [{ slug: 'three', name: 'Three' }] : []),
          { slug: 'any', name: 'Any' },
        ],
      }),
    );
    await seed(store, entries);
    const { get } = testApp({ store });
    const expected = entries
      .filter((_, i) => i % 2 === 0 || i % 3 === 0)
      .map((e) => e.id)
      .reverse();
    for (const limit of [1, 2, 4, 50]) {
      expect((await walk(get, `/topics/even,three/feed.json?limit=${limit}`)).ids).toEqual(expected);
    }
    expect((await walk(get, '/feed.json?limit=3')).ids).toEqual(entries.map((e) => e.id).reverse());
  });

  it('writes next links in RSS and Atom too, with the limit kept', async () => {
    const { get } = testApp({ store: await seeded(4) });
    const rss = text((await get('/topics/election/rss.xml?limit=2')).body);
    expect(rss).toMatch(
      /<atom:link href="https:\/\/feeds\.example\.org\/topics\/election\/rss\.xml\?limit=2&amp;cursor=[\w.-]+" rel="next"/,
    );
    const atom = text((await get('/topics/election/atom.xml?limit=2')).body);
    expect(atom).toMatch(
      /<link rel="next" type="application\/atom\+xml" href="https:\/\/feeds\.example\.org\/topics\/election\/atom\.xml\?limit=2&amp;cursor=/,
    );
    const last = text((await get('/topics/election/rss.xml?limit=4')).body);
    expect(last).not.toContain('rel="next"');
  });

  it('refuses a cursor that was edited or belongs to another feed', async () => {
    const { get } = testApp({ store: await seeded(6) });
    const next: string = JSON.parse(text((await get('/topics/election/feed.json?limit=2')).body)).next_url;
    const cursor = new URL(next).searchParams.get('cursor') as string;
    const [body, mac] = cursor.split('.') as [string, string];
    const edited = `${Buffer.from(Buffer.from(body, 'base64url').toString().replace('2021', '2020')).toString('base64url')}.${mac}`;
    expect(text((await get(`/topics/election/feed.json?cursor=${edited}`)).body)).toContain(
      'does not belong to this feed',
    );
    expect((await get(`/topics/joe-biden/feed.json?cursor=${cursor}`)).status).toBe(400);
    expect((await get(`/topics/election/feed.json?cursor=${cursor}`)).status).toBe(200);
    // The same cursor works in every format of the same feed.
    expect((await get(`/topics/election/rss.xml?cursor=${cursor}`)).status).toBe(200);
  });
});

describe('self links and the base URL', () => {
  it('derives links from X-Forwarded-Host/Proto, else Host, when no public base URL is configured', async () => {
    const store = await seeded(2);
    const { get } = testApp({ store, config: { ...CONFIG, publicBaseUrl: undefined } });
    const viaProxy = await get('/topics/election/feed.json', {
      host: 'internal:8080',
      'x-forwarded-host': 'news.example.net',
      'x-forwarded-proto': 'https',
    });
    expect(JSON.parse(text(viaProxy.body)).feed_url).toBe(
      'https://news.example.net/topics/election/feed.json',
    );
    const direct = await get('/topics/election/feed.json', {
      host: '127.0.0.1:3000',
      'x-forwarded-proto': 'http',
    });
    expect(JSON.parse(text(direct.body)).feed_url).toBe('http://127.0.0.1:3000/topics/election/feed.json');
    const bad = await get('/topics/election/feed.json', { host: 'evil.com/"><script>' });
    expect(bad.status).toBe(400);
  });

  it('serves under the path of a configured base URL', async () => {
    const { get } = testApp({
      store: await seeded(2),
      config: { ...CONFIG, publicBaseUrl: 'https://example.org/news' },
    });
    const res = await get('/news/topics/election/feed.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(text(res.body)).feed_url).toBe('https://example.org/news/topics/election/feed.json');
  });
});

describe('listings', () => {
  it('topics.json lists every topic with its count, last change and three feeds', async () => {
    const { get } = testApp({ store: await seeded(6) });
    const body = JSON.parse(text((await get('/topics.json')).body));
    expect(body.all.count).toBe(6);
    expect(body.topics).toEqual([
      {
        slug: 'election',
        name: 'Election',
        count: 6,
        lastChange: '2021-04-01T00:00:00.000Z',
        url: `${BASE}/topics/election`,
        feeds: {
          rss: `${BASE}/topics/election/rss.xml`,
          atom: `${BASE}/topics/election/atom.xml`,
          json: `${BASE}/topics/election/feed.json`,
        },
      },
      expect.objectContaining({ slug: 'joe-biden', count: 2 }),
    ]);
  });

  it('OPML has one outline per topic feed, in the format asked for', async () => {
    const { get } = testApp({ store: await seeded(3) });
    const parse = (s: string) =>
      new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '@',
        isArray: (n) => n === 'outline',
      }).parse(s);
    for (const [query, file] of [
      ['', 'rss.xml'],
      ['?format=atom', 'atom.xml'],
      ['?format=json', 'feed.json'],
    ]) {
      const opml = parse(text((await get(`/feeds.opml${query}`)).body)).opml;
      expect(opml['@version']).toBe('2.0');
      const outlines = opml.body.outline[0].outline;
      expect(outlines.map((o: Record<string, string>) => [o['@text'], o['@type'], o['@xmlUrl']])).toEqual([
        ['Election', 'rss', `${BASE}/topics/election/${file}`],
        ['Joe Biden', 'rss', `${BASE}/topics/joe-biden/${file}`],
      ]);
    }
  });

  it('does not list the all-articles pseudo-topic as a topic', async () => {
    const { get } = testApp({ store: await seeded(2) });
    const body = JSON.parse(text((await get('/topics.json')).body));
    expect(body.topics.map((t: { slug: string }) => t.slug)).not.toContain(ALL);
  });
});
