/**
 * JSON Feed 1.1 with the `feed` package, whose output is version 1 with a singular `author`, no `next_url`
 * and no `language`: it is parsed and reshaped into 1.1 (`version`, `authors`, `next_url`, `language`,
 * every item with a string id, url, title, content_html and RFC 3339 dates).
 */
import { Feed } from 'feed';
import { documentUpdated, type FeedDocument } from './document.js';

interface JsonAuthor {
  name?: string;
  url?: string;
}

interface JsonItem {
  id: string;
  url: string;
  title: string;
  summary?: string;
  content_html: string;
  image?: string;
  date_published: string;
  date_modified: string;
  authors?: JsonAuthor[];
  tags?: string[];
}

/** What `feed` 6.0.0 writes for an item (the parts we keep). */
interface PackageItem {
  id?: string;
  url?: string;
  title?: string;
  content_html?: string;
  image?: string;
  date_modified?: string;
  date_published?: string;
  author?: JsonAuthor;
  tags?: string[];
}

export function renderJson(doc: FeedDocument): string {
  const feed = new Feed({
    title: doc.title,
    description: doc.description,
    link: doc.htmlUrl,
    updated: documentUpdated(doc),
    feedLinks: { json: doc.self.json },
  });
  for (const e of doc.entries) {
    feed.addItem({
      id: e.id,
      title: e.title,
      link: e.link,
      date: e.updated,
      published: e.published,
      content: e.contentHtml,
      image: e.image?.url,
      author: e.provider ? [{ name: e.provider.name, link: e.provider.url }] : undefined,
      category: e.categories.map((c) => ({ name: c.name })),
    });
  }
  const produced = JSON.parse(feed.json1()) as { items: PackageItem[] };
  const items: JsonItem[] = produced.items.map((it, i) => {
    // The package keeps items in order; the document fills what it leaves out or gets wrong.
    const e = doc.entries[i];
    if (!e) throw new Error('feed package dropped an item');
    return {
      id: it.id ?? e.id,
      url: it.url ?? e.link,
      title: it.title ?? e.title,
      ...(e.summaryText ? { summary: e.summaryText } : {}),
      content_html: it.content_html ?? e.contentHtml,
      ...(it.image ? { image: it.image } : {}),
      date_published: it.date_published ?? e.published.toISOString(),
      date_modified: it.date_modified ?? e.updated.toISOString(),
      ...(it.author ? { authors: [it.author] } : {}),
      ...(it.tags?.length ? { tags: it.tags } : {}),
    };
  });
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: doc.title,
    home_page_url: doc.htmlUrl,
    feed_url: doc.self.json,
    ...(doc.next ? { next_url: doc.next.json } : {}),
    ...(doc.hubs?.length ? { hubs: doc.hubs.map((url) => ({ type: 'WebSub', url })) } : {}),
    description: doc.description,
    ...(doc.language ? { language: doc.language } : {}),
    authors: [{ name: doc.siteTitle }],
    items,
  });
}
