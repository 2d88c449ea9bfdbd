/** WebSub discovery: hub and self links in every format and in the Link header, only when hubs are set. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { readFeedsConfig } from '../../../shared/config.js';
import { feedSelfUrls, hubLinkHeader, parseHubs } from '../../../shared/websub.js';
import { BASE, CONFIG, entry, seed, testApp, text } from '../../support/feeds-fixtures.js';

const HUBS = ['https://hub.example.net/', 'http://127.0.0.1:9/websub?x=1&y=2'];
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (n) => n === 'link' || n === 'atom:link' || n === 'item' || n === 'entry',
});

// biome-ignore lint/suspicious/noExplicitAny: parsed XML is untyped.
type Node = any;
const rels = (links: Node[], rel: string) => links.filter((l) => l['@rel'] === rel).map((l) => l['@href']);

async function app(hubs: string[] | undefined, n = 3) {
  const t = testApp({ config: { ...CONFIG, hubs } });
  await seed(
    t.store,
    Array.from({ length: n }, (_, i) => entry(i + 1)),
  );
  return t;
}

describe('WebSub discovery', () => {
  it.each([
    ['/topics/election', `${BASE}/topics/election`],
    ['', BASE],
    ['/topics/election,other', `${BASE}/topics/election,other`],
  ])(
    'announces every hub and the self URL in RSS, Atom, JSON Feed and the Link header (%s)',
    async (dir, self) => {
      const { get, store } = await app(HUBS);
      await seed(store, [entry(9, { topics: [{ slug: 'other', name: 'Other' }] })]);

      const rss = await get(`${dir}/rss.xml`);
      expect(XMLValidator.validate(text(rss.body))).toBe(true);
      const channel = xml.parse(text(rss.body)).rss.channel;
      expect(rels(channel['atom:link'], 'hub')).toEqual(HUBS);
      // A hub is not a feed: no type (the self link keeps its RSS type).
      for (const l of channel['atom:link'])
        expect(l['@type']).toBe(l['@rel'] === 'hub' ? undefined : 'application/rss+xml');
      expect(rels(channel['atom:link'], 'self')).toEqual([`${self}/rss.xml`]);
      // Metadata comes before the items (the W3C validator reports misplaced metadata otherwise).
      expect(text(rss.body).lastIndexOf('rel="hub"')).toBeLessThan(text(rss.body).indexOf('<item>'));
      expect(rss.headers.link).toBe(hubLinkHeader(HUBS, `${self}/rss.xml`));

      const atom = await get(`${dir}/atom.xml`);
      const feed = xml.parse(text(atom.body)).feed;
      expect(rels(feed.link, 'hub')).toEqual(HUBS);
      for (const l of feed.link) if (l['@rel'] === 'hub') expect(l['@type']).toBeUndefined();
      expect(rels(feed.link, 'self')).toEqual([`${self}/atom.xml`]);
      expect(text(atom.body).lastIndexOf('rel="hub"')).toBeLessThan(text(atom.body).indexOf('<entry>'));
      expect(atom.headers.link).toBe(
        `<${HUBS[0]}>; rel="hub", <${HUBS[1]}>; rel="hub", <${self}/atom.xml>; rel="self"`,
      );

      const json = await get(`${dir}/feed.json`);
      const body = JSON.parse(text(json.body));
      expect(body.hubs).toEqual(HUBS.map((url) => ({ type: 'WebSub', url })));
      expect(body.feed_url).toBe(`${self}/feed.json`);
      expect(json.headers.link).toBe(hubLinkHeader(HUBS, `${self}/feed.json`));
    },
  );

  it('announces them on later pages too, each page its own self URL', async () => {
    const { get } = await app(HUBS, 5);
    const first = JSON.parse(text((await get('/topics/election/feed.json?limit=2')).body));
    const next = new URL(first.next_url);
    const second = await get(`${next.pathname}${next.search}`);
    const body = JSON.parse(text(second.body));
    expect(body.feed_url).toBe(first.next_url);
    expect(body.hubs).toHaveLength(2);
    expect(second.headers.link).toBe(hubLinkHeader(HUBS, first.next_url));
  });

  it('writes no hub link anywhere without hubs, and none on pages or listings', async () => {
    for (const hubs of [undefined, []]) {
      const { get } = await app(hubs);
      for (const path of ['/rss.xml', '/topics/election/atom.xml', '/feed.json']) {
        const res = await get(path);
        expect(res.headers.link).toBeUndefined();
        expect(text(res.body)).not.toMatch(/"hub"|"hubs"/);
      }
    }
    const { get } = await app(HUBS);
    for (const path of ['/', '/topics/election', '/topics.json', '/feeds.opml']) {
      expect((await get(path)).headers.link).toBeUndefined();
    }
  });

  it('escapes a hub URL in XML attributes', async () => {
    const { get } = await app(['https://hub.example.net/?a=1&b="2"']);
    const out = text((await get('/topics/election/atom.xml')).body);
    expect(XMLValidator.validate(out)).toBe(true);
    expect(rels(xml.parse(out).feed.link, 'hub')).toEqual(['https://hub.example.net/?a=1&b="2"']);
  });
});

describe('hub settings', () => {
  it('reads WEBSUB_HUBS as comma-separated absolute http(s) URLs, none by default', () => {
    expect(readFeedsConfig({ TABLE_NAME: 't' }).hubs).toEqual([]);
    expect(
      readFeedsConfig({ TABLE_NAME: 't', WEBSUB_HUBS: ' https://a.example/hub , http://b.example ,' }).hubs,
    ).toEqual(['https://a.example/hub', 'http://b.example/']);
    expect(parseHubs(['https://a.example/', 'https://a.example/'])).toEqual(['https://a.example/']);
  });

  it.each([
    ['hub.example.net', 'not an absolute URL'],
    ['ftp://hub.example.net/', 'not an http(s) URL'],
  ])('refuses %s, naming the setting and the value', (value, why) => {
    expect(() => readFeedsConfig({ TABLE_NAME: 't', WEBSUB_HUBS: value })).toThrow(
      `WEBSUB_HUBS must be comma-separated absolute http(s) URLs: "${value}" is ${why}`,
    );
  });

  it('names the self URLs of a feed in every format', () => {
    expect(feedSelfUrls(BASE, '_all')).toEqual([`${BASE}/rss.xml`, `${BASE}/atom.xml`, `${BASE}/feed.json`]);
    expect(feedSelfUrls(BASE, '北朝鮮')[0]).toBe(`${BASE}/topics/%E5%8C%97%E6%9C%9D%E9%AE%AE/rss.xml`);
    expect(feedSelfUrls(BASE, '_p:cnn.com')).toEqual([
      `${BASE}/providers/cnn.com/rss.xml`,
      `${BASE}/providers/cnn.com/atom.xml`,
      `${BASE}/providers/cnn.com/feed.json`,
    ]);
  });
});
