/**
 * The article model: what ingest produces and what feeds read. Plain data, no behaviour.
 * Dates are ISO 8601 strings in UTC with milliseconds (`Date#toISOString()`), so they sort as text.
 */

export interface Provider {
  name?: string;
  domain?: string;
}

export interface ArticleImage {
  url: string;
  width?: number;
  height?: number;
  /** MIME type guessed from the URL's extension (image/jpeg for .jpg); undefined when unknown. */
  type?: string;
}

export interface RelatedLink {
  title: string;
  url: string;
  publishedDateTime?: string;
  provider?: string;
}

export interface TopicRef {
  /** Case-insensitive, diacritic-folded, URL-path-safe once percent-encoded. */
  slug: string;
  /** Display name as first given. */
  name: string;
}

/** What a feed shows of one article. Feed entry items store it without the body (the article holds that). */
export interface FeedEntry {
  /** Stable feed id, `urn:uuid:…` (UUID v5 of the canonical link): never changes once given. */
  id: string;
  /** The UUID inside `id`; the article's key. */
  articleId: string;
  /** The link as given (webUrl, else originalUrl). */
  url: string;
  title: string;
  published: string;
  updated: string;
  summary?: string;
  /** The markdown body rendered to HTML, safe by construction (no raw HTML, only http(s)/mailto links). */
  contentHtml?: string;
  provider?: Provider;
  topics: TopicRef[];
  image?: ArticleImage;
  related: RelatedLink[];
  category?: string;
  type?: string;
  quality?: number;
  heat?: number;
}

/** A normalized article as parsed from one file. */
export interface Article {
  articleId: string;
  canonicalUrl: string;
  /** false removes it from every feed (it stays known, with its id). */
  published: boolean;
  entry: FeedEntry;
}

/** The pseudo-topic of the all-articles feed. No user topic can have this slug (slugs never start with `_`). */
export const ALL = '_all';

/** Metadata of a topic (or of ALL): one read answers ETag and Last-Modified. */
export interface TopicMeta {
  slug: string;
  name: string;
  /** Articles currently in the topic's feed. */
  count: number;
  /** Bumped on every change to the topic's feed; part of the ETag. */
  revision: number;
  /** When the feed last changed (ISO); Last-Modified. */
  lastChange: string;
}

/** A file that was refused, as listed for users and operators. */
export interface Rejection {
  key: string;
  reason: string;
  /** ISO time of the rejection. */
  at: string;
}

/** What a page needs of one stored entry besides what it shows. */
export interface EntryFacts {
  /** Its sort position in the feed (`<published>#<articleId>`). */
  position: string;
  /** UTF-8 bytes of the whole entry as JSON, body included: what a page's byte budget counts. */
  bytes: number;
  /**
   * Set when the body is kept with the article, not in the entry (the entry then has no `contentHtml`): the
   * article version the entry was written from. A read of the article older than this is stale.
   */
  bodyVersion?: number;
}

/**
 * One Query's worth of a feed, newest first. `facts` go with `entries`, index by index. `next` is the position
 * of the last entry when more may follow (undefined at the end of the feed).
 */
export interface EntryPage {
  entries: FeedEntry[];
  facts: EntryFacts[];
  next?: string;
}

/** One page of a feed as shown: whole entries, newest first, and where the next page starts. */
export interface FeedPage {
  entries: FeedEntry[];
  next?: string;
}
