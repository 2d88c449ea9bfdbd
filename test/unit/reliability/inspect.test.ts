import { describe, expect, it } from 'vitest';
import { renderIndexPage } from '../../../shared/feeds/render/pages.js';
import {
  CONTENT_HTML,
  decodeEntities,
  htmlProblems,
  PAGE_HTML,
  scanXml,
  xmlProblems,
} from '../../../tools/reliability/hostile/inspect.js';
import { SCRIPT_PAYLOADS } from '../../../tools/reliability/hostile/payloads.js';

// The inspectors decide whether the hostile tests pass: each must see what it is there to see.
describe('htmlProblems', () => {
  it('finds every raw script payload, in a page and in feed content', () => {
    for (const payload of SCRIPT_PAYLOADS.filter((p) => p.includes('<') && !p.startsWith('&lt;'))) {
      expect(htmlProblems(`<p>${payload}</p>`, CONTENT_HTML), payload).not.toEqual([]);
      expect(htmlProblems(`<html><body>${payload}</body></html>`, PAGE_HTML), payload).not.toEqual([]);
    }
  });

  it('finds script URLs however they are spelled, and inline styles other than cell alignment', () => {
    const bad = [
      '<a href="javascript:alert(1)">x</a>',
      '<a href="  JaVaScRiPt:alert(1)">x</a>',
      '<a href="jav&#x09;ascript:alert(1)">x</a>',
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<a href=javascript&colon;alert(1)>x</a>',
      '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
      '<a href="vbscript:msgbox">x</a>',
      '<td style="background:url(javascript:alert(1))">x</td>',
      '<p title="x" onclick="alert(1)">x</p>',
      '<p>text</p><!-- <script> -->',
      '<p>1 < 2</p>',
    ];
    for (const html of bad) expect(htmlProblems(html, CONTENT_HTML), html).not.toEqual([]);
    expect(htmlProblems('<table><tr><td style="text-align:right">1</td></tr></table>', CONTENT_HTML)).toEqual(
      [],
    );
    // An emptied reference links nowhere: not a problem.
    expect(htmlProblems('<p><a href="">x</a></p>', CONTENT_HTML)).toEqual([]);
  });

  it('accepts what markdown and our pages produce, escaped payloads included', () => {
    const content =
      '<h1>Title</h1><p>A <a href="https://example.com/?a=1&amp;b=2">link</a>, <em>em</em>, <code>&lt;script&gt;</code></p>' +
      '<pre><code class="language-html">&lt;img onerror=alert(1)&gt;</code></pre><img src="https://img.example.com/a.jpg" alt="a">';
    expect(htmlProblems(content, CONTENT_HTML)).toEqual([]);
    const page = renderIndexPage({
      siteTitle: '<script>alert(1)</script>',
      homeUrl: 'https://feeds.example.org/',
      topicsJsonUrl: 'https://feeds.example.org/topics.json',
      opmlUrl: 'https://feeds.example.org/feeds.opml',
      all: {
        rss: 'https://f.example/rss.xml',
        atom: 'https://f.example/atom.xml',
        json: 'https://f.example/feed.json',
      },
      allCount: 1,
      lastChange: '2021-03-14T01:27:54.000Z',
      topics: [
        {
          slug: 'x',
          name: '"><img src=x onerror=alert(1)>',
          count: 1,
          lastChange: '2021-03-14T01:27:54.000Z',
          htmlUrl: 'https://f.example/topics/x',
          feeds: { rss: 'https://f.example/a', atom: 'https://f.example/b', json: 'https://f.example/c' },
        },
      ],
    });
    expect(htmlProblems(page, PAGE_HTML)).toEqual([]);
  });

  it('decodes references as a browser does before looking at a scheme', () => {
    expect(decodeEntities('&#106;&#x61;vascript&colon;x&Tab;')).toBe('javascript:x\t');
  });
});

describe('xmlProblems', () => {
  it('finds what breaks or taints XML: bad nesting, undeclared entities, illegal characters, a stray ]]>', () => {
    const bad = [
      '<rss><channel></rss>',
      '<rss>&nbsp;</rss>',
      '<rss>a & b</rss>',
      '<rss>\u000b</rss>',
      '<rss>&#0;</rss>',
      '<rss>&#x1F;</rss>',
      '<rss>a ]]> b</rss>',
      '<rss a="<"/>',
      '<rss>\ud800</rss>',
    ];
    for (const xml of bad) expect(xmlProblems(xml), JSON.stringify(xml)).not.toEqual([]);
  });

  it('accepts CDATA holding markup and ]]&gt;, attributes holding ]]>, and character references', () => {
    const xml =
      '<?xml version="1.0"?><rss a="]]>"><title><![CDATA[<b>x</b> ]]&gt;]]></title><d>&lt;&#233;&#x1F600;&amp;</d></rss>';
    expect(xmlProblems(xml)).toEqual([]);
    expect(scanXml(xml).tags.map((t) => t.name)).toEqual(['rss', 'title', 'd']);
  });
});
