/** The HTML pages: autodiscovery, subscribe links, escaping, and a policy that forbids script. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../shared/store/memory.js';
import { BASE, entry, seed, testApp, text } from '../../support/feeds-fixtures.js';

async function page(path: string, entries = [entry(2), entry(1)]) {
  const store = new MemoryStore();
  await seed(store, entries);
  const res = await testApp({ store }).get(path);
  return { res, html: text(res.body) };
}

describe('the index page', () => {
  it('lists topics with counts and feeds, and autodiscovers the all-articles feeds', async () => {
    const { res, html } = await page('/');
    expect(res.status).toBe(200);
    expect(html).toContain(
      `<link rel="alternate" type="application/rss+xml" title="Example feeds (RSS)" href="${BASE}/rss.xml">`,
    );
    expect(html).toContain(
      `<link rel="alternate" type="application/atom+xml" title="Example feeds (Atom)" href="${BASE}/atom.xml">`,
    );
    expect(html).toContain(
      `<link rel="alternate" type="application/feed+json" title="Example feeds (JSON Feed)" href="${BASE}/feed.json">`,
    );
    expect(html).toContain(`<a class="name" href="${BASE}/topics/election">Election</a>`);
    expect(html).toContain('2 articles');
    expect(html).toContain(`href="${BASE}/feeds.opml"`);
  });

  it('matches its snapshot', async () => {
    expect((await page('/')).html).toMatchSnapshot();
  });
});

describe('a topic page', () => {
  it('shows the latest articles with subscribe links and autodiscovery of the topic feeds', async () => {
    const { html } = await page('/topics/election');
    expect(html).toContain(
      `<link rel="alternate" type="application/rss+xml" title="Election (RSS)" href="${BASE}/topics/election/rss.xml">`,
    );
    expect(html).toContain(`<li><a href="${BASE}/topics/election/atom.xml">Atom</a></li>`);
    expect(html.indexOf('Story number 2')).toBeLessThan(html.indexOf('Story number 1'));
    expect(html).toContain('<time datetime="2021-03-14T03:27:54.000Z">14 Mar 2021</time>');
    expect(html).toContain(`<article id="a-${entry(2).articleId}">`);
  });

  it('links to older articles with a cursor', async () => {
    const { html } = await page('/topics/election?limit=1');
    expect(html).toMatch(
      /<a rel="next" href="https:\/\/feeds\.example\.org\/topics\/election\?limit=1&amp;cursor=[\w.-]+">/,
    );
  });

  it('escapes everything from articles and runs no script', async () => {
    const { res, html } = await page('/topics/election', [
      entry(1, {
        title: '<script>alert(1)</script>',
        summary: '<img src=x onerror=alert(1)>',
        url: 'https://news.example.com/a?b="><script>',
        provider: { name: '<i>P</i>', domain: 'p.com' },
        image: { url: 'javascript:alert(1)' },
      }),
    ]);
    expect(html).not.toMatch(/<script|<[^>]*\sonerror=|<img src=x|javascript:/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('href="https://news.example.com/a?b=%22%3E%3Cscript%3E"');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    // The inline style sheet is allowed by its hash, and nothing else is.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] as string;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('merges topics on one page', async () => {
    const { html } = await page('/topics/election,world', [
      entry(1),
      entry(2, { topics: [{ slug: 'world', name: 'World' }] }),
    ]);
    expect(html).toContain('<h1>Election + World</h1>');
    expect(html).toContain(`href="${BASE}/topics/election,world/rss.xml"`);
  });

  it('matches its snapshot', async () => {
    expect((await page('/topics/election')).html).toMatchSnapshot();
  });
});
