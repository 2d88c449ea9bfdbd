/**
 * Provider feeds, top stories and filtered paging on both stores, the DynamoDB adapter on dynalite included:
 * articles ingested by the real ingest core, read by the feeds app. Following the next links of a filtered
 * feed reaches every match once, each page within the read budget; a provider's feed follows its articles.
 */
import { describe, expect, it } from 'vitest';
import type { EntryPage } from '../../../shared/article/model.js';
import { FILTER_READ_BUDGET } from '../../../shared/feeds/filtered-page.js';
import { bothStores, type Store } from '../../support/both-stores.js';
import { text } from '../../support/feeds-fixtures.js';
import { ingestedWorld } from '../../support/ingested-world.js';

const { stores } = bothStores('tailored-test');

/** Counts the entries the store's Queries return, per page. */
function counting(store: Store): { store: Store; read: () => number; reset: () => void } {
  let read = 0;
  const queryEntries = store.queryEntries.bind(store);
  store.queryEntries = async (feed: string, limit: number, before?: string): Promise<EntryPage> => {
    const page = await queryEntries(feed, limit, before);
    read += page.entries.length;
    return page;
  };
  return { store, read: () => read, reset: () => (read = 0) };
}

const hour = (n: number) => new Date(Date.UTC(2021, 2, 1, n)).toISOString().replace('.000', '');

describe.each(stores)('tailored feeds on %s', (_name, make) => {
  it('pages a filtered source feed through every match, within the budget, and lists the sources', async () => {
    const meter = counting(make());
    const w = ingestedWorld(meter.store);
    // 700 articles an hour apart, alternately from two sources; every 97th mentions a comet.
    for (let i = 0; i < 700; i++) {
      await w.put(`a-${i}.md`, {
        title: i % 97 === 0 ? `Comet seen, report ${i}` : `Ordinary news ${i}`,
        webUrl: `https://news.example.com/${i}`,
        publishedDateTime: hour(i),
        topics: ['Sky'],
        provider:
          i % 2 === 0
            ? { name: 'Even Times', domain: 'even.example' }
            : { name: 'Odd Post', domain: 'odd.example' },
        quality: i,
        heat: (i * 37) % 101,
      });
    }
    const listed = JSON.parse(text((await w.app.get('/providers.json')).body));
    expect(listed.providers.map((p: { domain: string; count: number }) => [p.domain, p.count])).toEqual([
      ['even.example', 350],
      ['odd.example', 350],
    ]);

    for (const [start, expected] of [
      ['/topics/sky/feed.json?limit=3&filter=Comet', [679, 582, 485, 388, 291, 194, 97, 0]],
      ['/providers/even.example/feed.json?limit=2&filter_title=Comet&minQuality=100', [582, 388, 194]],
    ] as const) {
      const seen: number[] = [];
      let path: string | undefined = start;
      let pages = 0;
      while (path) {
        meter.reset();
        const res = await w.app.get(path);
        expect(res.status, text(res.body)).toBe(200);
        expect(meter.read()).toBeLessThanOrEqual(FILTER_READ_BUDGET);
        const doc = JSON.parse(text(res.body));
        seen.push(...doc.items.map((i: { title: string }) => Number(i.title.split(' ').pop())));
        const next: string | undefined = doc.next_url;
        path = next ? next.slice(next.indexOf('/', 8)) : undefined;
        pages++;
      }
      expect(seen).toEqual(expected);
      expect(pages).toBeGreaterThan(1);
    }

    // Top stories: the 7 days (168 hours) up to the newest article, hottest first, ties newest first.
    const top = JSON.parse(text((await w.app.get('/topics/sky/top/feed.json?limit=200')).body));
    const window = Array.from({ length: 169 }, (_, k) => 699 - k);
    const ranked = [...window].sort((a, b) => ((b * 37) % 101) - ((a * 37) % 101) || b - a);
    expect(top.items.map((i: { title: string }) => Number(i.title.split(' ').pop()))).toEqual(ranked);
  }, 120_000);
});
