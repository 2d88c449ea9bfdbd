/**
 * Provider feeds, top stories and tailoring parameters through the feeds app, on articles ingested by the real
 * ingest core into the in-memory store: every URL and format, the listings (providers.json, index, OPML),
 * 400 reasons, 404s and redirects, ETags and 304s that follow the parameters and the data (a provider edited
 * or removed, a heat change), and paging through a filtered feed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../shared/store/memory.js';
import { BASE, CONFIG, type TestApp, testApp, text } from '../../support/feeds-fixtures.js';
import { ingestedWorld, type Story } from '../../support/ingested-world.js';

function world() {
  return ingestedWorld(new MemoryStore());
}

/** Day d of March 2021, hour h. */
const at = (d: number, h = 12) => new Date(Date.UTC(2021, 2, d, h)).toISOString().replace('.000', '');

const STORIES: [string, Story][] = [
  [
    'cnn-1.md',
    {
      title: 'Biden reaches out to North Korea',
      webUrl: 'https://cnn.com/1',
      publishedDateTime: at(10),
      provider: { name: 'CNN', domain: 'CNN.com' },
      topics: ['Election'],
      quality: 164,
      heat: 184,
    },
  ],
  [
    'cnn-2.md',
    {
      title: 'Vaccines for Mexico',
      webUrl: 'https://cnn.com/2',
      publishedDateTime: at(12),
      provider: { name: 'CNN', domain: 'cnn.com' },
      topics: ['Health'],
      quality: 90,
      heat: 300,
    },
  ],
  [
    'bbc-1.md',
    {
      title: 'Election night in München',
      webUrl: 'https://bbc.co.uk/1',
      publishedDateTime: at(13),
      provider: { name: 'BBC News', domain: 'bbc.co.uk' },
      topics: ['Election'],
      quality: 120,
      heat: 50,
    },
  ],
  [
    'bbc-2.md',
    {
      title: 'Old election story',
      webUrl: 'https://bbc.co.uk/2',
      publishedDateTime: at(1),
      provider: { name: 'BBC News', domain: 'bbc.co.uk' },
      topics: ['Election'],
      quality: 200,
      heat: 999,
    },
  ],
  [
    'anon.md',
    {
      title: 'No provider here',
      webUrl: 'https://anon.example/1',
      publishedDateTime: at(11),
      provider: null,
      topics: ['Election'],
      heat: 100,
    },
  ],
];

let w: ReturnType<typeof world>;
let app: TestApp;
beforeEach(async () => {
  w = world();
  app = w.app;
  for (const [key, s] of STORIES) await w.put(key, s);
});

const titles = async (path: string) => {
  const res = await app.get(path);
  expect(res.status, `${path}: ${text(res.body)}`).toBe(200);
  return (JSON.parse(text(res.body)) as { items: { title: string }[] }).items.map((i) => i.title);
};

describe('provider feeds', () => {
  it('serves a provider in every format, newest first, named as first given', async () => {
    expect(await titles('/providers/cnn.com/feed.json')).toEqual([
      'Vaccines for Mexico',
      'Biden reaches out to North Korea',
    ]);
    const rss = await app.get('/providers/cnn.com/rss.xml');
    expect(rss.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(text(rss.body)).toContain('<title>CNN · Example feeds</title>');
    const atom = await app.get('/providers/bbc.co.uk/atom.xml');
    expect(text(atom.body)).toContain(`<id>${BASE}/providers/bbc.co.uk/atom.xml</id>`);
    const page = await app.get('/providers/bbc.co.uk');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(text(page.body)).toContain('Election night in München');
  });

  it('redirects other spellings of a domain, and answers 404 for an unknown or invalid one', async () => {
    const r = await app.get('/providers/CNN.COM/rss.xml?limit=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`${BASE}/providers/cnn.com/rss.xml?limit=1`);
    expect((await app.get('/providers/cnn.com/')).headers.location).toBe(`${BASE}/providers/cnn.com`);
    const missing = await app.get('/providers/nowhere.example/rss.xml');
    expect(missing.status).toBe(404);
    expect(text(missing.body)).toContain(`${BASE}/providers.json`);
    expect((await app.get('/providers/not%20a%20host/rss.xml')).status).toBe(404);
    expect((await app.get('/providers/cnn.com/other.xml')).status).toBe(404);
  });

  it('lists every provider in providers.json, the index page and OPML', async () => {
    const res = await app.get('/providers.json');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(text(res.body));
    expect(body.providers).toEqual([
      {
        domain: 'bbc.co.uk',
        name: 'BBC News',
        count: 2,
        lastChange: expect.any(String),
        url: `${BASE}/providers/bbc.co.uk`,
        feeds: {
          rss: `${BASE}/providers/bbc.co.uk/rss.xml`,
          atom: `${BASE}/providers/bbc.co.uk/atom.xml`,
          json: `${BASE}/providers/bbc.co.uk/feed.json`,
        },
      },
      expect.objectContaining({ domain: 'cnn.com', name: 'CNN', count: 2 }),
    ]);
    const index = text((await app.get('/')).body);
    expect(index).toContain('<h2>Sources</h2>');
    expect(index).toContain(`href="${BASE}/providers/cnn.com"`);
    const opml = text((await app.get('/feeds.opml?group=providers&format=atom')).body);
    expect(opml).toContain(`xmlUrl="${BASE}/providers/cnn.com/atom.xml"`);
    expect(opml).not.toContain('/topics/');
    expect((await app.get('/feeds.opml?group=people')).status).toBe(400);
  });

  it('follows a provider edited or removed, with new ETags', async () => {
    const before = await app.get('/providers/cnn.com/feed.json');
    const listed = await app.get('/providers.json');
    // The second CNN story moves to the BBC.
    await w.put('cnn-2.md', {
      ...(STORIES[1]?.[1] as Story),
      provider: { name: 'BBC News', domain: 'bbc.co.uk' },
    });
    const after = await app.get('/providers/cnn.com/feed.json', {
      'if-none-match': before.headers.etag as string,
    });
    expect(after.status).toBe(200);
    expect(await titles('/providers/cnn.com/feed.json')).toEqual(['Biden reaches out to North Korea']);
    expect(await titles('/providers/bbc.co.uk/feed.json')).toContain('Vaccines for Mexico');
    expect(
      (await app.get('/providers.json', { 'if-none-match': listed.headers.etag as string })).status,
    ).toBe(200);
    // Its last article removed, the provider leaves the listings; its feed stays, empty, as a topic's does.
    await w.remove('cnn-1.md');
    expect(await titles('/providers/cnn.com/feed.json')).toEqual([]);
    const domains = JSON.parse(text((await app.get('/providers.json')).body)).providers.map(
      (p: { domain: string }) => p.domain,
    );
    expect(domains).toEqual(['bbc.co.uk']);
  });
});

describe('top stories', () => {
  it('ranks the window ending at the newest article by heat; a topic page links its top feed', async () => {
    // The newest is Mar 13; Mar 1 is outside the 7 days, whatever its heat.
    expect(await titles('/top/feed.json')).toEqual([
      'Vaccines for Mexico',
      'Biden reaches out to North Korea',
      'No provider here',
      'Election night in München',
    ]);
    expect(await titles('/topics/election/top/feed.json')).toEqual([
      'Biden reaches out to North Korea',
      'No provider here',
      'Election night in München',
    ]);
    const page = text((await app.get('/topics/election')).body);
    expect(page).toContain(`href="${BASE}/topics/election/top/rss.xml"`);
    expect((await app.get('/topics/Election/top/rss.xml')).headers.location).toBe(
      `${BASE}/topics/election/top/rss.xml`,
    );
    expect((await app.get('/topics/election,health/top/rss.xml')).status).toBe(404);
    expect((await app.get('/topics/nothing/top/rss.xml')).status).toBe(404);
  });

  it('is the same bytes for the same data, and moves an article whose heat changes', async () => {
    const a = await app.get('/top/atom.xml');
    const b = await testApp({ store: w.store }).get('/top/atom.xml');
    expect(text(b.body)).toBe(text(a.body));
    await w.put('bbc-1.md', { ...(STORIES[2]?.[1] as Story), heat: 1000 });
    const c = await app.get('/top/atom.xml', { 'if-none-match': a.headers.etag as string });
    expect(c.status).toBe(200);
    expect((await titles('/top/feed.json'))[0]).toBe('Election night in München');
  });

  it('announces hubs on source feeds (publish pings them), not on top stories', async () => {
    const hubs = ['https://hub.example.org/'];
    const t = testApp({ store: w.store, config: { ...CONFIG, hubs } });
    const source = await t.get('/providers/cnn.com/feed.json');
    expect(JSON.parse(text(source.body)).hubs).toEqual([{ type: 'WebSub', url: hubs[0] }]);
    expect(source.headers.link).toContain(`<${BASE}/providers/cnn.com/feed.json>; rel="self"`);
    const top = await t.get('/top/feed.json');
    expect(JSON.parse(text(top.body)).hubs).toBeUndefined();
    expect(top.headers.link).toBeUndefined();
  });

  it('pages through the ranking with cursors bound to the top feed', async () => {
    const first = JSON.parse(text((await app.get('/top/feed.json?limit=3')).body));
    expect(first.items).toHaveLength(3);
    const next = new URL(first.next_url);
    expect(next.pathname).toBe('/top/feed.json');
    const rest = JSON.parse(text((await app.get(`${next.pathname}${next.search}`)).body));
    expect(rest.items.map((i: { title: string }) => i.title)).toEqual(['Election night in München']);
    // A cursor of the all-articles feed is refused by the top feed.
    const plain = JSON.parse(text((await app.get('/feed.json?limit=1')).body));
    const cursor = new URL(plain.next_url).searchParams.get('cursor') as string;
    expect((await app.get(`/top/feed.json?limit=1&cursor=${cursor}`)).status).toBe(400);
  });
});

describe('tailoring parameters on every kind of feed', () => {
  it('filters topic, merged, provider, top and all-articles feeds alike', async () => {
    expect(await titles('/feed.json?filter=election&filter_case_sensitive=false')).toEqual([
      'Election night in München',
      'Old election story',
    ]);
    expect(await titles('/topics/election,health/feed.json?filter_author=CNN')).toEqual([
      'Vaccines for Mexico',
      'Biden reaches out to North Korea',
    ]);
    expect(await titles('/providers/bbc.co.uk/feed.json?minQuality=150')).toEqual(['Old election story']);
    expect(await titles('/top/feed.json?filterout_category=Health&minQuality=100')).toEqual([
      'Biden reaches out to North Korea',
      'Election night in München',
    ]);
    expect(
      await titles('/topics/election/feed.json?filter_category=Election&filterout_author=bbc.co.uk'),
    ).toEqual(['No provider here', 'Biden reaches out to North Korea']);
  });

  it('answers 400 with the reason for a bad value; ignores unknown parameters', async () => {
    const bad = await app.get('/topics/election/rss.xml?minQuality=lots');
    expect(bad.status).toBe(400);
    expect(text(bad.body)).toContain('minQuality must be a number, got "lots"');
    expect(bad.headers['cache-control']).toBe('no-store');
    expect((await app.get('/providers/cnn.com/rss.xml?filter=a&filter=b')).status).toBe(400);
    expect((await app.get('/top/rss.xml?filter_case_sensitive=maybe')).status).toBe(400);
    expect((await app.get(`/rss.xml?filterout=${'x'.repeat(1000)}`)).status).toBe(400);
    expect((await app.get('/rss.xml?filter=%7C%7C%7C')).status).toBe(400);
    const ignored = await app.get('/feed.json?utm_source=x&FILTER=nothing');
    expect(JSON.parse(text(ignored.body)).items).toHaveLength(5);
  });

  it('keys ETags and the render cache on the parameters, and answers 304 for the same ones', async () => {
    const a = await app.get('/feed.json?filter=Election');
    const b = await app.get('/feed.json?filter=Vaccines');
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect(JSON.parse(text(b.body)).items).toHaveLength(1);
    expect(
      (await app.get('/feed.json?filter=Election', { 'if-none-match': a.headers.etag as string })).status,
    ).toBe(304);
    expect(
      (await app.get('/feed.json?filter=Vaccines', { 'if-none-match': a.headers.etag as string })).status,
    ).toBe(200);
    // Same meaning, same key: the order of parameters and a no-op case flag do not split the cache.
    const c = await app.get('/feed.json?filter_case_sensitive=true&filter=Election');
    expect(c.headers.etag).toBe(a.headers.etag);
  });

  it('links the next page of a filtered feed with its parameters, and reaches every match once', async () => {
    for (let i = 0; i < 30; i++) {
      await w.put(`many-${i}.md`, {
        title: i % 4 === 0 ? `Rare story ${i}` : `Common story ${i}`,
        webUrl: `https://many.example/${i}`,
        publishedDateTime: at(14 + Math.floor(i / 24), i % 24),
        topics: ['Many'],
      });
    }
    const seen: string[] = [];
    let path: string | undefined = '/topics/many/feed.json?limit=2&filter=Rare';
    while (path) {
      const doc = JSON.parse(text((await app.get(path)).body));
      seen.push(...doc.items.map((i: { title: string }) => i.title));
      if (doc.next_url) {
        const u = new URL(doc.next_url);
        expect(u.searchParams.get('filter')).toBe('Rare');
        expect(u.searchParams.get('limit')).toBe('2');
        path = `${u.pathname}${u.search}`;
      } else path = undefined;
    }
    expect(seen).toEqual([
      'Rare story 28',
      'Rare story 24',
      'Rare story 20',
      'Rare story 16',
      'Rare story 12',
      'Rare story 8',
      'Rare story 4',
      'Rare story 0',
    ]);
  });
});
