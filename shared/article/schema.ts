/**
 * The one schema of an article file: validates the front matter and normalizes it into an Article.
 * Required fields are strict (a missing or invalid one rejects the file with a reason); optional fields are
 * lenient (an invalid one is dropped with a warning, so one bad image never hides an article).
 * Only known fields are read into fresh objects: keys such as `__proto__` or `constructor` are inert.
 */
// zod/mini: the same validator as zod with a tree-shakable API (12 KB bundled instead of 450 KB).
import * as z from 'zod/mini';
import { InvalidArticleError } from '../errors.js';
import { canonicalLink, httpHref, httpUrl, imageMimeType, uuidV5 } from '../links.js';
import { cleanBlock, cleanLine, groupDigits, stripIllegal } from '../text.js';
import { renderMarkdown } from './markdown.js';
import type { Article, ArticleImage, FeedEntry, Provider, RelatedLink, TopicRef } from './model.js';
import { topicSlug } from './slug.js';
import { numberProblem } from './storable-number.js';

export const LIMITS = {
  titleChars: 1000,
  excerptChars: 10_000,
  topics: 50,
  topicNameChars: 200,
  images: 10,
  related: 20,
  bodyChars: 300_000,
} as const;

/** A parsed article plus the warnings about optional fields that were dropped. */
export interface Normalized {
  article: Article;
  warnings: string[];
}

/** A value as a person would read it in a message, whatever it is (String() throws for some mappings). */
export function show(value: unknown, max: number): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? typeof value;
    } catch {
      text = Array.isArray(value) ? 'a list' : 'a mapping';
    }
  }
  // Never half a surrogate pair (not UTF-8, which the table stores) nor a character XML forbids: the text
  // goes into a reason that is stored and shown.
  if (text.length <= max) return stripIllegal(text);
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${stripIllegal(text.slice(0, cut))}…`;
}

// ---- field rules ----

/** Text, or a number or boolean taken as text (YAML reads `title: 1984` as a number). */
const scalarText = (field: string) =>
  z.pipe(
    z.union([z.string(), z.number(), z.boolean()], {
      error: (issue) => `${field} must be text, not ${Array.isArray(issue.input) ? 'a list' : 'a mapping'}`,
    }),
    z.transform((v) => String(v)),
  );

const requiredLine = (field: string, max: number) =>
  z.pipe(scalarText(field), z.transform(cleanLine)).check(
    z.refine((s) => s.length > 0, { error: `${field} is empty` }),
    z.refine((s) => s.length <= max, {
      error: `${field} is longer than ${groupDigits(max)} characters`,
    }),
  );

/** ISO 8601 / RFC 3339 with or without offset (UTC assumed); date-only means midnight UTC. */
const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

// The form nearly every file uses (2021-03-14T01:27:54Z): checked by a round trip, without the general parse.
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

export function parseDateTime(raw: string): string | undefined {
  if (CANONICAL_UTC.test(raw) && onCalendar(raw)) return raw.length === 20 ? `${raw.slice(0, 19)}.000Z` : raw;
  const m = DATE_RE.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const offset = /^[Zz]$/.test(zone)
    ? 'Z'
    : zone.length === 3
      ? `${zone}:00`
      : zone.includes(':')
        ? zone
        : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = frac ? frac.slice(0, 4).padEnd(4, '0') : '';
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  // Date.parse rolls 2021-02-30 over to March: refuse dates that are not on the calendar.
  const date = new Date(t + (offset === 'Z' ? 0 : offsetMinutes(offset) * 60_000));
  if (date.getUTCDate() !== Number(d) || date.getUTCMonth() + 1 !== Number(mo)) return undefined;
  const year = new Date(t).getUTCFullYear();
  if (year < 1900 || year > 2999) return undefined;
  return new Date(t).toISOString();
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether YYYY-MM-DDTHH:MM:SS names a real instant from 1900 to 2999 (string checks, no Date). */
function onCalendar(s: string): boolean {
  const year = +s.slice(0, 4);
  const month = +s.slice(5, 7);
  const day = +s.slice(8, 10);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return (
    year >= 1900 &&
    year <= 2999 &&
    day >= 1 &&
    day <= days &&
    +s.slice(11, 13) < 24 &&
    +s.slice(14, 16) < 60 &&
    +s.slice(17, 19) < 60
  );
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hh = '0', mm = '0'] = offset.slice(1).split(':');
  return sign * (Number(hh) * 60 + Number(mm));
}

const requiredDate = (field: string) =>
  z.pipe(
    z.unknown(),
    z.transform((v, ctx) => {
      const raw = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : undefined;
      const iso = raw === undefined ? undefined : parseDateTime(raw);
      if (iso === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          message:
            v === undefined || v === null
              ? `${field} is missing`
              : `${field} "${show(v, 60)}" is not a date and time like 2021-03-14T01:27:54Z`,
        });
        return z.NEVER;
      }
      return iso;
    }),
  );

// ---- the file ----

/** The fields read from a file's front matter; any others are ignored. */
const FIELDS = [
  'title',
  'webUrl',
  'originalUrl',
  'publishedDateTime',
  'updatedDateTime',
  'excerpt',
  'provider',
  'topics',
  'images',
  'related',
  'quality',
  'heat',
  'category',
  'type',
  'published',
] as const;
type Fields = Partial<Record<(typeof FIELDS)[number], unknown>>;

/** The known fields the front matter has as its own (never inherited, whatever keys YAML gave it). */
function fieldsOf(data: Record<string, unknown>): Fields {
  const out: Fields = {};
  for (const name of FIELDS) if (Object.hasOwn(data, name)) out[name] = data[name];
  return out;
}

const titleRule = requiredLine('title', LIMITS.titleChars);
const publishedRule = requiredDate('publishedDateTime');

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const optionalLine = (v: unknown, max: number): string | undefined => {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = cleanLine(String(v));
  return s.length === 0 ? undefined : s.slice(0, max);
};

/**
 * An optional number, or undefined with a warning naming `field` when it is not one or cannot be stored
 * (see storable-number.ts: such a number would fail every write of the article).
 */
function optionalNumber(v: unknown, field: string, warnings: string[]): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    warnings.push(`${field}: ignored, not a number`);
    return undefined;
  }
  const problem = numberProblem(v);
  if (problem === undefined) return v;
  warnings.push(`${field}: ignored, ${show(v, 40)} ${problem}`);
  return undefined;
}

/** An image's width or height: a positive number of pixels, rounded; anything else is dropped. */
function pixels(v: unknown, field: string, warnings: string[]): number | undefined {
  if (typeof v !== 'number' || !(v > 0)) return undefined;
  return optionalNumber(Math.round(v), field, warnings);
}

function firstIssue(error: z.core.$ZodError): string {
  return error.issues[0]?.message ?? 'invalid value';
}

function required<T>(rule: z.ZodMiniType<T>, value: unknown, field: string): T {
  const r = rule.safeParse(value);
  if (!r.success) {
    const message = value === undefined || value === null ? `${field} is missing` : firstIssue(r.error);
    throw new InvalidArticleError(message, field);
  }
  return r.data;
}

function link(data: Fields): { field: string; url: URL } {
  const field =
    data.webUrl !== undefined && data.webUrl !== null && data.webUrl !== '' ? 'webUrl' : 'originalUrl';
  const raw = data[field];
  if (raw === undefined || raw === null || raw === '') {
    throw new InvalidArticleError(
      "a link is missing: set webUrl (or originalUrl) to the article's http(s) address",
      'webUrl',
    );
  }
  const url = typeof raw === 'string' ? httpUrl(raw.trim()) : undefined;
  if (!url) {
    throw new InvalidArticleError(`${field} "${show(raw, 100)}" is not an absolute http(s) URL`, field);
  }
  return { field, url };
}

function published(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === 'yes') return true;
    if (s === 'false' || s === 'no') return false;
  }
  throw new InvalidArticleError(`published must be true or false, got "${show(v, 40)}"`, 'published');
}

function topics(v: unknown, warnings: string[]): TopicRef[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.length > LIMITS.topics) {
    throw new InvalidArticleError(
      `topics lists ${groupDigits(list.length)} topics; at most ${LIMITS.topics} are allowed`,
      'topics',
    );
  }
  const out: TopicRef[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    const name = optionalLine(item, Number.POSITIVE_INFINITY);
    if (name === undefined) {
      warnings.push(`topics: ignored an entry that is not text (${show(item, 40)})`);
      continue;
    }
    if (name.length > LIMITS.topicNameChars) {
      throw new InvalidArticleError(
        `topic "${name.slice(0, 40)}…" is longer than ${LIMITS.topicNameChars} characters`,
        'topics',
      );
    }
    const slug = topicSlug(name);
    if (slug === '') {
      warnings.push(`topics: ignored "${name}": it has no letters or digits`);
      continue;
    }
    if (seen.has(slug)) continue;
    seen.add(slug);
    out.push({ slug, name });
  }
  return out;
}

function provider(v: unknown): Provider | undefined {
  if (!isRecord(v)) return undefined;
  const p: Provider = { name: optionalLine(v.name, 200), domain: optionalLine(v.domain, 253) };
  return p.name || p.domain ? p : undefined;
}

function images(v: unknown, warnings: string[]): ArticleImage[] {
  if (!Array.isArray(v)) return [];
  const out: ArticleImage[] = [];
  for (const [i, item] of v.slice(0, LIMITS.images).entries()) {
    const raw = isRecord(item) ? item.url : item;
    const url = typeof raw === 'string' ? httpHref(raw.trim()) : undefined;
    if (!url) {
      warnings.push(`images: ignored "${show(raw, 80)}": not an absolute http(s) URL`);
      continue;
    }
    const at = `images[${i}]`;
    out.push({
      url,
      width: isRecord(item) ? pixels(item.width, `${at}.width`, warnings) : undefined,
      height: isRecord(item) ? pixels(item.height, `${at}.height`, warnings) : undefined,
      type: imageMimeType(url),
    });
  }
  return out;
}

function related(v: unknown, warnings: string[]): RelatedLink[] {
  if (!Array.isArray(v)) return [];
  const out: RelatedLink[] = [];
  for (const item of v.slice(0, LIMITS.related)) {
    if (!isRecord(item)) continue;
    const title = optionalLine(item.title, LIMITS.titleChars);
    const rawUrl = item.webUrl ?? item.url ?? item.originalUrl;
    const url = typeof rawUrl === 'string' ? httpHref(rawUrl.trim()) : undefined;
    if (!title || !url) {
      warnings.push(`related: ignored an entry without a title and an http(s) webUrl`);
      continue;
    }
    const date =
      typeof item.publishedDateTime === 'string' ? parseDateTime(item.publishedDateTime) : undefined;
    out.push({
      title,
      url,
      publishedDateTime: date,
      provider: isRecord(item.provider) ? optionalLine(item.provider.name, 200) : undefined,
    });
  }
  return out;
}

/** Validates and normalizes one file's front matter and body. Throws InvalidArticleError with the reason. */
export function normalizeArticle(data: Record<string, unknown>, body: string): Normalized {
  const warnings: string[] = [];
  const fields = fieldsOf(data);
  const title = required(titleRule, fields.title, 'title');
  const { url } = link(fields);
  const publishedAt = required(publishedRule, fields.publishedDateTime, 'publishedDateTime');
  let updatedAt = publishedAt;
  if (fields.updatedDateTime !== undefined && fields.updatedDateTime !== null) {
    const u = typeof fields.updatedDateTime === 'string' ? parseDateTime(fields.updatedDateTime) : undefined;
    if (u === undefined) warnings.push('updatedDateTime: ignored, not a date and time');
    else if (u > publishedAt) updatedAt = u;
  }
  const isPublished = published(fields.published);

  const text = cleanBlock(body);
  if (text.length > LIMITS.bodyChars) {
    throw new InvalidArticleError(
      `the body is ${groupDigits(text.length)} characters long; at most ${groupDigits(LIMITS.bodyChars)} fit in a feed item`,
      'body',
    );
  }

  const canonicalUrl = canonicalLink(url);
  const articleId = uuidV5(canonicalUrl);
  const quality = optionalNumber(fields.quality, 'quality', warnings);
  const heat = optionalNumber(fields.heat, 'heat', warnings);

  const entry: FeedEntry = {
    id: `urn:uuid:${articleId}`,
    articleId,
    url: url.href,
    title,
    published: publishedAt,
    updated: updatedAt,
    summary: optionalLine(fields.excerpt, LIMITS.excerptChars),
    contentHtml: text.length > 0 ? renderMarkdown(text) : undefined,
    provider: provider(fields.provider),
    topics: topics(fields.topics, warnings),
    image: images(fields.images, warnings)[0],
    related: related(fields.related, warnings),
    category: optionalLine(fields.category, 200),
    type: optionalLine(fields.type, 200),
    quality,
    heat,
  };
  return { article: { articleId, canonicalUrl, published: isPublished, entry }, warnings };
}
