/**
 * Atom 1.0 (RFC 4287) with the `feed` package: feed id/updated/author/self (and next, RFC 5005); entries with
 * a urn:uuid id, updated and published, the title as escaped HTML (the package types every title html, so a
 * plain title is escaped to mean exactly its text), excerpt as summary, full content, the provider as
 * author, topics as categories, the first image as an enclosure link and media:content.
 *
 * WebSub hubs are `<link rel="hub">` elements (the package writes one hub at most).
 * The package cannot write the next link, a correct enclosure MIME type or media:content; it writes marker
 * `<rights>` elements in their place, replaced after rendering.
 */
import { Feed, type Item } from 'feed';
import { documentUpdated, type FeedDocument, GENERATOR, MEDIA_NS } from './document.js';
import type { SafeEntry } from './entry.js';
import { escapeAttr, escapeHtml } from './escape.js';
import { element, MARKER, restoreLt, sanitizedAttr, xmlText } from './xmljs.js';

const ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';

function extras(e: SafeEntry): string {
  const img = e.image;
  if (!img) return '';
  return (
    element('link', { rel: 'enclosure', href: img.url, type: img.type }) +
    element('media:content', {
      url: img.url,
      medium: 'image',
      type: img.type,
      width: img.width,
      height: img.height,
    })
  );
}

function item(e: SafeEntry, index: number, scheme: string): Item {
  return {
    title: escapeHtml(e.title),
    id: e.id,
    link: e.link,
    date: e.updated,
    published: e.published,
    description: e.summaryHtml,
    content: e.hasContent || !e.summaryHtml ? e.contentHtml : undefined,
    author: e.provider ? [{ name: xmlText(e.provider.name), link: e.provider.url }] : undefined,
    category: e.categories.map((c) => ({ term: sanitizedAttr(c.slug), name: sanitizedAttr(c.name), scheme })),
    copyright: e.image ? `${MARKER}${index}` : undefined,
  };
}

export function renderAtom(doc: FeedDocument): string {
  const feed = new Feed({
    id: xmlText(doc.id),
    title: xmlText(doc.title),
    description: xmlText(doc.description),
    link: doc.htmlUrl,
    updated: documentUpdated(doc),
    generator: GENERATOR,
    author: { name: xmlText(doc.siteTitle) },
    feedLinks: { atom: doc.self.atom },
    copyright: doc.next || doc.hubs?.length ? MARKER : undefined,
  });
  doc.entries.forEach((e, i) => {
    feed.addItem(item(e, i, doc.topicsBase));
  });
  const lang = doc.language ? ` xml:lang="${escapeAttr(doc.language)}"` : '';
  const xml = feed
    .atom1()
    .replace(ROOT, `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="${MEDIA_NS}"${lang}>`)
    .replace(
      `<rights>${MARKER}</rights>`,
      () =>
        (doc.next
          ? element('link', { rel: 'next', type: 'application/atom+xml', href: doc.next.atom })
          : '') + (doc.hubs ?? []).map((hub) => element('link', { rel: 'hub', href: hub })).join(''),
    )
    .replace(new RegExp(`<rights>${MARKER}(\\d+)</rights>`, 'g'), (_m, i: string) => {
      const e = doc.entries[Number(i)];
      return e ? extras(e) : '';
    });
  return restoreLt(xml);
}
