/**
 * The two HTML pages: the topic index (`/`) and a topic's latest articles (`/topics/{slug}`). Server-rendered,
 * no script, one small inline style sheet allowed by hash in the Content-Security-Policy. Every value from
 * data is escaped for where it lands.
 */
import { createHash } from 'node:crypto';
import { groupDigits } from '../../text.js';
import type { FeedLinks } from './document.js';
import { topicUrl } from './document.js';
import { humanDate, type SafeEntry } from './entry.js';
import { escapeAttr as attr, escapeHtml as html } from './escape.js';
import type { SiteListing } from './listing.js';

const CSS = `:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--line:#e3e3e6;--accent:#c2410c;--chip:#f4f4f5}
@media (prefers-color-scheme:dark){:root{--fg:#ececee;--muted:#a1a1aa;--line:#2e2e33;--accent:#fb923c;--chip:#27272a}}
*{box-sizing:border-box}body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg)}
main,header{max-width:46rem;margin:0 auto;padding:0 1.25rem}header{padding-top:1.5rem}main:first-child{padding-top:1.5rem}
header a{color:var(--muted);text-decoration:none;font-weight:600}h1{font-size:1.9rem;line-height:1.2;margin:.4rem 0 .6rem}
a{color:inherit}p{margin:.3rem 0}.muted{color:var(--muted);font-size:.9rem}
.subscribe{display:flex;flex-wrap:wrap;gap:.4rem;margin:.8rem 0 1.6rem;padding:0;list-style:none}
.subscribe a{display:inline-block;padding:.2rem .7rem;border-radius:999px;background:var(--chip);text-decoration:none;font-size:.9rem}
.subscribe a:hover{color:var(--accent)}ul.topics{list-style:none;padding:0;margin:0}
.topics li{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3rem 1rem;padding:.7rem 0;border-top:1px solid var(--line)}
.topics .name{font-weight:600;flex:1 1 12rem}.topics .formats a{margin-right:.6rem;font-size:.9rem;color:var(--muted)}
article{display:flex;gap:1rem;padding:1.1rem 0;border-top:1px solid var(--line)}article div{flex:1;min-width:0}
article h2{font-size:1.15rem;line-height:1.3;margin:0 0 .25rem}article h2 a{text-decoration:none}
article h2 a:hover{color:var(--accent)}article img{flex:none;width:7.5rem;height:5rem;object-fit:cover;border-radius:.4rem;background:var(--chip)}
.tags a{color:var(--muted)}nav{padding:1.2rem 0 0}main{padding-bottom:2.5rem}
@media (max-width:36rem){article img{width:4.5rem;height:3.2rem}h1{font-size:1.6rem}}`;

/** The policy sent with every page: no script of any origin, this style sheet only, images from anywhere. */
export const PAGE_CSP = `default-src 'none'; img-src https: http: data:; style-src 'sha256-${createHash(
  'sha256',
)
  .update(CSS)
  .digest('base64')}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

function layout(p: {
  title: string;
  siteTitle: string;
  /** The site link above the page; none on the home page itself. */
  homeUrl?: string;
  head: string;
  body: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(p.title)}</title>
<link rel="icon" href="data:,">
${p.head}
<style>${CSS}</style>
</head>
<body>
${p.homeUrl ? `<header><a href="${attr(p.homeUrl)}">${html(p.siteTitle)}</a></header>\n` : ''}<main>
${p.body}
</main>
</body>
</html>
`;
}

const alternates = (title: string, feeds: FeedLinks) =>
  [
    `<link rel="alternate" type="application/rss+xml" title="${attr(`${title} (RSS)`)}" href="${attr(feeds.rss)}">`,
    `<link rel="alternate" type="application/atom+xml" title="${attr(`${title} (Atom)`)}" href="${attr(feeds.atom)}">`,
    `<link rel="alternate" type="application/feed+json" title="${attr(`${title} (JSON Feed)`)}" href="${attr(feeds.json)}">`,
  ].join('\n');

const subscribeLinks = (feeds: FeedLinks, extra: string) =>
  `<ul class="subscribe"><li><a href="${attr(feeds.rss)}">RSS</a></li><li><a href="${attr(feeds.atom)}">Atom</a></li>` +
  `<li><a href="${attr(feeds.json)}">JSON Feed</a></li>${extra}</ul>`;

const plural = (n: number, one: string) => `${groupDigits(n)} ${one}${n === 1 ? '' : 's'}`;

export function renderIndexPage(site: SiteListing): string {
  const rows = site.topics.map(
    (t) =>
      `<li><a class="name" href="${attr(t.htmlUrl)}">${html(t.name)}</a>` +
      `<span class="muted">${plural(t.count, 'article')} · ${html(humanDate(new Date(Date.parse(t.lastChange) || 0)))}</span>` +
      `<span class="formats"><a href="${attr(t.feeds.rss)}">RSS</a><a href="${attr(t.feeds.atom)}">Atom</a>` +
      `<a href="${attr(t.feeds.json)}">JSON</a></span></li>`,
  );
  const sources = (site.providers ?? []).map(
    (p) =>
      `<li><a class="name" href="${attr(p.htmlUrl)}">${html(p.name)}</a>` +
      `<span class="muted">${html(p.domain)} · ${plural(p.count, 'article')}</span>` +
      `<span class="formats"><a href="${attr(p.feeds.rss)}">RSS</a><a href="${attr(p.feeds.atom)}">Atom</a>` +
      `<a href="${attr(p.feeds.json)}">JSON</a></span></li>`,
  );
  const body = `<h1>${html(site.siteTitle)}</h1>
<p class="muted">${plural(site.allCount, 'article')} in ${plural(site.topics.length, 'topic')}. Every article:</p>
${subscribeLinks(site.all, `${site.topUrl ? `<li><a href="${attr(site.topUrl)}">Top stories</a></li>` : ''}<li><a href="${attr(site.opmlUrl)}">OPML of every topic</a></li><li><a href="${attr(site.topicsJsonUrl)}">topics.json</a></li>`)}
${rows.length ? `<ul class="topics">\n${rows.join('\n')}\n</ul>` : '<p>No topics yet: articles appear here once they are uploaded.</p>'}${sources.length ? `\n<h2>Sources</h2>\n<ul class="subscribe"><li><a href="${attr(site.providersOpmlUrl ?? '')}">OPML of every source</a></li><li><a href="${attr(site.providersJsonUrl ?? '')}">providers.json</a></li></ul>\n<ul class="topics">\n${sources.join('\n')}\n</ul>` : ''}`;
  return layout({
    title: site.siteTitle,
    siteTitle: site.siteTitle,
    head: alternates(site.siteTitle, site.all),
    body,
  });
}

export interface TopicPage {
  siteTitle: string;
  homeUrl: string;
  /** The topics' names, plain text. */
  title: string;
  /** Articles in the topic(s) now. */
  count: number;
  /** The first page of the feeds. */
  feeds: FeedLinks;
  topicsBase: string;
  /** The next (older) page of this HTML page. */
  nextUrl?: string;
  /** Whether this is a later page (reached through a cursor). */
  later: boolean;
  entries: SafeEntry[];
  /** The top-stories feeds of the topic, when it has them. */
  top?: FeedLinks;
  /** What the page lists, for its empty state ('topic' by default). */
  of?: 'topic' | 'provider';
}

function articleHtml(e: SafeEntry, topicsBase: string): string {
  const img = e.image
    ? `<img src="${attr(e.image.url)}" alt="" loading="lazy" referrerpolicy="no-referrer" width="120" height="80">`
    : '';
  const meta = [
    e.provider ? html(e.provider.name) : '',
    `<time datetime="${attr(e.published.toISOString())}">${html(humanDate(e.published))}</time>`,
  ]
    .filter(Boolean)
    .join(' · ');
  const tags = e.categories
    .map((c) => `<a href="${attr(topicUrl(topicsBase, c.slug))}">${html(c.name)}</a>`)
    .join(', ');
  return `<article id="a-${attr(e.id.slice(9))}">${img}<div>
<h2><a href="${attr(e.link)}" rel="noopener">${html(e.title)}</a></h2>
<p class="muted">${meta}${tags ? ` · <span class="tags">${tags}</span>` : ''}</p>
${e.summaryText ? `<p>${html(e.summaryText)}</p>` : ''}
</div></article>`;
}

export function renderTopicPage(page: TopicPage): string {
  const list = page.entries.map((e) => articleHtml(e, page.topicsBase)).join('\n');
  const empty = page.later
    ? 'No older articles.'
    : `No articles ${page.of === 'provider' ? 'from this source' : 'in this topic'} right now.`;
  const top = page.top
    ? `<li><a href="${attr(page.top.rss)}">Top stories (RSS)</a></li><li><a href="${attr(page.top.atom)}">Top (Atom)</a></li><li><a href="${attr(page.top.json)}">Top (JSON Feed)</a></li>`
    : '';
  const body = `<h1>${html(page.title)}</h1>
<p class="muted">${plural(page.count, 'article')}. Subscribe:</p>
${subscribeLinks(page.feeds, top)}
${list || `<p>${empty}</p>`}
${page.nextUrl ? `<nav><a rel="next" href="${attr(page.nextUrl)}">Older articles →</a></nav>` : ''}`;
  return layout({
    title: `${page.title} · ${page.siteTitle}`,
    siteTitle: page.siteTitle,
    homeUrl: page.homeUrl,
    head: `${alternates(page.title, page.feeds)}${page.nextUrl ? `\n<link rel="next" href="${attr(page.nextUrl)}">` : ''}`,
    body,
  });
}
