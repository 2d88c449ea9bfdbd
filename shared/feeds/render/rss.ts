/**
 * RSS 2.0 with the `feed` package: channel with atom:link self (and next, RFC 5005, and WebSub hubs), items with a
 * non-permalink guid, RFC 822 dates, excerpt as description, full content as content:encoded, the provider
 * as dc:creator (RSS <author> must be an e-mail address), topics as categories, the first image as an
 * enclosure (when its MIME type is known; length 0 means unknown) and as media:content.
 */
import { Feed, type Item } from 'feed';
import { documentUpdated, type FeedDocument, GENERATOR, MEDIA_NS } from './document.js';
import type { SafeEntry } from './entry.js';
import { cdataText, rawAttr, restoreCdataEnds, xmlText } from './xmljs.js';

const ROOT =
  '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" ' +
  `xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="${MEDIA_NS}">`;

const RSS_TYPE = 'application/rss+xml';
/** A channel atom:link; a hub is not a feed, so it has no type. */
const atomLink = (href: string, rel: string, type?: string) => ({
  _attributes: { href: rawAttr(href), rel, ...(type ? { type } : {}) },
});

function mediaContent(e: SafeEntry) {
  const img = e.image;
  if (!img) return undefined;
  return {
    _attributes: {
      url: rawAttr(img.url),
      medium: 'image',
      type: img.type,
      width: img.width,
      height: img.height,
    },
  };
}

function item(e: SafeEntry): Item {
  const extensions: Item['extensions'] = [];
  if (e.provider) extensions.push({ name: 'dc:creator', objects: { _text: xmlText(e.provider.name) } });
  const media = mediaContent(e);
  if (media) extensions.push({ name: 'media:content', objects: media });
  const description = e.summaryHtml ?? e.contentHtml;
  return {
    title: cdataText(e.title),
    link: e.link,
    guid: xmlText(e.id),
    date: e.updated,
    published: e.published,
    description,
    content: e.contentHtml !== description ? e.contentHtml : undefined,
    category: e.categories.map((c) => ({ name: xmlText(c.name) })),
    enclosure: e.image?.type ? { url: e.image.url, type: e.image.type, length: 0 } : undefined,
    extensions,
  };
}

export function renderRss(doc: FeedDocument): string {
  const feed = new Feed({
    title: xmlText(doc.title),
    description: xmlText(doc.description),
    link: doc.htmlUrl,
    updated: documentUpdated(doc),
    generator: GENERATOR,
    language: doc.language,
    ttl: doc.ttlMinutes,
    // Creates the channel's atom:link slot before the items (the W3C validator wants metadata first);
    // the extension below fills it with self and next.
    feedLinks: { rss: doc.self.rss },
  });
  const links = [
    atomLink(doc.self.rss, 'self', RSS_TYPE),
    ...(doc.next ? [atomLink(doc.next.rss, 'next', RSS_TYPE)] : []),
    ...(doc.hubs ?? []).map((hub) => atomLink(hub, 'hub')),
  ];
  // xml-js writes an array as repeated elements; the package's type only names objects.
  feed.addExtension({ name: 'atom:link', objects: links as unknown as Record<string, unknown> });
  for (const e of doc.entries) feed.addItem(item(e));
  const xml = feed.rss2().replace(/<rss [^>]*>/, ROOT);
  return restoreCdataEnds(xml);
}
