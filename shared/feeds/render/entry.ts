/**
 * A FeedEntry made safe to render, once, for every format: absolute strict URLs, valid dates, cleaned text,
 * guarded HTML. Everything downstream may trust these values; nothing here reads a clock.
 */

import type { FeedEntry } from '../../article/model.js';
import { uuidV5 } from '../../links.js';
import { stripIllegal } from '../../text.js';
import {
  cdataSafeHtml,
  domainUrl,
  escapeAttr,
  escapeHtml,
  line,
  mimeType,
  positiveInt,
  safeHttpUrl,
} from './escape.js';

export interface SafeCategory {
  slug: string;
  name: string;
}

export interface SafeImage {
  url: string;
  /** A well-formed image/* MIME type, when known. */
  type?: string;
  width?: number;
  height?: number;
}

export interface SafeEntry {
  /** `urn:uuid:<uuid>`, stable across renders. */
  id: string;
  title: string;
  /** Absolute http(s) link; the article's own, else its place on our topic page. */
  link: string;
  published: Date;
  updated: Date;
  /** The excerpt as one line of plain text. */
  summaryText?: string;
  /** The excerpt as an HTML paragraph. */
  summaryHtml?: string;
  /** Body (or excerpt) plus the related articles, as HTML; always present and never contains `]]>`. */
  contentHtml: string;
  /** True when contentHtml carries more than the excerpt. */
  hasContent: boolean;
  provider?: { name: string; url?: string };
  categories: SafeCategory[];
  image?: SafeImage;
}

/** Dates outside these bounds are clamped: every format can express them with a 4-digit year. */
const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);

/** A valid Date from an ISO string, clamped to 1970..9999; `fallback` when unparseable. */
export function safeDate(iso: unknown, fallback: number): Date {
  const t = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  const v = Number.isNaN(t) ? fallback : t;
  return new Date(Math.min(MAX_TIME, Math.max(MIN_TIME, v)));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function entryId(entry: FeedEntry): string | undefined {
  const fromId = typeof entry.id === 'string' ? entry.id.trim().toLowerCase() : '';
  if (fromId.startsWith('urn:uuid:') && UUID.test(fromId.slice(9))) return fromId;
  const fromArticle = typeof entry.articleId === 'string' ? entry.articleId.trim().toLowerCase() : '';
  return UUID.test(fromArticle) ? `urn:uuid:${fromArticle}` : undefined;
}

// Markup that markdown-it (html disabled) never produces; if it shows up, the stored HTML did not come from
// ingest's renderer and is not shown.
const UNSAFE_HTML =
  /<\/?\s*(script|style|iframe|frame|frameset|object|embed|applet|form|input|button|textarea|select|meta|link|base|svg|math|template)\b|<[^>]*\son[a-z]+\s*=|<[^>]*\s(href|src)\s*=\s*["']?\s*(javascript|vbscript|data|file):/i;

const decodeAttr = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Relative links and images in the body resolve against the article's link (readers, and the W3C validator,
 * cannot know a base); references that do not resolve to http(s) or mailto lose their href/src.
 */
function absolutize(html: string, base: string): string {
  return html.replace(/(<(?:a|img)\b[^>]*?\s(?:href|src)=)"([^"]*)"/gi, (_m, head: string, value: string) => {
    const raw = decodeAttr(value).trim();
    if (/^mailto:/i.test(raw)) return `${head}"${escapeAttr(raw)}"`;
    const url = safeHttpUrl(raw, base);
    return `${head}"${url ? escapeAttr(url) : ''}"`;
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/**
 * `14 Mar 2021` (UTC): a date for people, the same wherever the server runs. Written out by hand: an
 * Intl.DateTimeFormat loads ICU's locale data, 20 ms of the function's cold start for three fields.
 */
export const humanDate = (d: Date): string =>
  `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

function relatedHtml(entry: FeedEntry): string {
  const items: string[] = [];
  for (const r of Array.isArray(entry.related) ? entry.related : []) {
    const title = line(r?.title);
    if (!title) continue;
    const url = safeHttpUrl(r.url);
    const date =
      typeof r.publishedDateTime === 'string' ? safeDate(r.publishedDateTime, Number.NaN) : undefined;
    const about = [line(r.provider), date && !Number.isNaN(date.getTime()) ? humanDate(date) : '']
      .filter(Boolean)
      .join(', ');
    const label = url ? `<a href="${escapeAttr(url)}">${escapeHtml(title)}</a>` : escapeHtml(title);
    items.push(`<li>${label}${about ? ` (${escapeHtml(about)})` : ''}</li>`);
  }
  return items.length ? `<p><strong>Related</strong></p><ul>${items.join('')}</ul>` : '';
}

/** Where our own pages are, for links of last resort. */
export interface EntryContext {
  /** `https://host/topics/` */
  topicsBase: string;
  /** `https://host/` */
  home: string;
}

export function safeEntry(entry: FeedEntry, ctx: EntryContext): SafeEntry {
  const articleUrl = safeHttpUrl(entry.url);
  // An entry without a usable id (never written by ingest) still gets a stable one, from what it shows.
  const id =
    entryId(entry) ?? `urn:uuid:${uuidV5(articleUrl ?? `${line(entry.title)}\n${line(entry.published)}`)}`;
  // Without a usable link of its own, an article links to its entry on its first topic's page.
  const firstTopic = Array.isArray(entry.topics) ? line(entry.topics[0]?.slug) : '';
  const link =
    articleUrl ??
    (firstTopic ? `${ctx.topicsBase}${encodeURIComponent(firstTopic)}#a-${id.slice(9)}` : ctx.home);
  const title = line(entry.title) || line(entry.url) || 'Untitled';
  const published = safeDate(entry.published, MIN_TIME);
  const updated = new Date(
    Math.max(published.getTime(), safeDate(entry.updated, published.getTime()).getTime()),
  );

  const summaryText = line(entry.summary) || undefined;
  const summaryHtml = summaryText ? `<p>${escapeHtml(summaryText)}</p>` : undefined;
  const rawBody = typeof entry.contentHtml === 'string' ? stripIllegal(entry.contentHtml).trim() : '';
  const body = rawBody && !UNSAFE_HTML.test(rawBody) ? absolutize(rawBody, link) : '';
  const related = relatedHtml(entry);
  const main = body || summaryHtml || '';
  const contentHtml = cdataSafeHtml(
    main || related
      ? `${main}${main && related ? '\n' : ''}${related}`
      : `<p><a href="${escapeAttr(link)}">${escapeHtml(title)}</a></p>`,
  );

  const providerName = line(entry.provider?.name) || line(entry.provider?.domain);
  const provider = providerName ? { name: providerName, url: domainUrl(entry.provider?.domain) } : undefined;

  const seen = new Set<string>();
  const categories: SafeCategory[] = [];
  for (const t of Array.isArray(entry.topics) ? entry.topics : []) {
    const slug = line(t?.slug);
    if (!slug || seen.has(slug)) continue;
    seen.add(slug);
    categories.push({ slug, name: line(t.name) || slug });
  }

  const imageUrl = safeHttpUrl(entry.image?.url);
  const image = imageUrl
    ? {
        url: imageUrl,
        type: mimeType(entry.image?.type, 'image'),
        width: positiveInt(entry.image?.width),
        height: positiveInt(entry.image?.height),
      }
    : undefined;

  return {
    id,
    title,
    link,
    published,
    updated,
    summaryText,
    summaryHtml: summaryHtml && cdataSafeHtml(summaryHtml),
    contentHtml,
    hasContent: contentHtml !== summaryHtml,
    provider,
    categories,
    image,
  };
}
