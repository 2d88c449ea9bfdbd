/** What each part of the store contract suite gets: the store under test and names no other case uses. */
import type { FeedEntry } from '../../../shared/article/model.js';
import { uuidV5 } from '../../../shared/links.js';
import type { ArticleRecord } from '../../../shared/store/types.js';
import type { Store } from '../both-stores.js';

export interface ContractContext {
  /** The store under test (one per store kind, shared by the cases: the DynamoDB one shares a table). */
  store: () => Store;
  /** A name (key, slug, id) not used by another case, starting with `base`. */
  fresh: (base: string) => string;
}

let serial = 0;
export const freshName = (base: string): string => `${base}-${++serial}`;

/** A feed entry of a new article (its id from a fresh link), published at `published`. */
export function contractEntry(published: string, overrides: Partial<FeedEntry> = {}): FeedEntry {
  const url = `https://contract.example.com/${freshName('story')}`;
  const articleId = uuidV5(url);
  return {
    id: `urn:uuid:${articleId}`,
    articleId,
    url,
    title: `Story of ${published}`,
    published,
    updated: published,
    topics: [],
    related: [],
    ...overrides,
  };
}

/** The article record that carries `entry`, at `version`, from one file. */
export function contractArticle(entry: FeedEntry, version: number): ArticleRecord {
  return {
    articleId: entry.articleId,
    canonicalUrl: entry.url,
    published: true,
    entry,
    files: { [`${entry.articleId}.md`]: entry.published },
    sourceKey: `${entry.articleId}.md`,
    sourceTime: entry.published,
    version,
  };
}
