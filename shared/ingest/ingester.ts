/**
 * The ingest core: applies one object event (created or removed) to the store. Knows nothing of Lambda.
 *
 * Every step is idempotent and safe to repeat, so at-least-once, late and out-of-order delivery converge:
 * - per key, an event whose S3 sequencer is not above the last applied one is skipped (`stale`);
 * - the file record is written last, so a crash before it makes the redelivered event redo the work;
 * - an article write is optimistic (version check) and leaves `pending` set until its feed entries and
 *   topic counters are updated, so a crash mid-way is finished by the next event for that article;
 * - feed entry writes are conditional on the article version, so a slow, older writer never overwrites
 *   a newer entry.
 * Among several files with the same link, the latest upload (S3 LastModified, then the greatest key) is
 * the one shown; a topic's name is the spelling of the earliest upload naming it (see TopicChange).
 */

import { PARSER_VERSION, parseArticle } from '../article/article.js';
import { isArticleKey } from '../article/files.js';
import type { Article } from '../article/model.js';
import { ConflictError, InvalidArticleError } from '../errors.js';
import type { Log } from '../logger.js';
import { isLaterThanStored, storedSequencer } from '../store/sequencer.js';
import type { ArticleRecord, FileRecord, IngestStore } from '../store/types.js';
import { claimNames, fanOut, withPending } from './fan-out.js';
import { formatKB, keyProblem, sizeProblem } from './fits.js';
import type { ObjectSource, StoredObject } from './objects.js';

export type ObjectEvent =
  | {
      kind: 'created';
      bucket: string;
      /** Decoded key (as stored in the bucket). */
      key: string;
      size?: number;
      eTag?: string;
      /** S3 sequencer; absent when reconciling without an event. */
      sequencer?: string;
      /** ISO time of the upload. */
      eventTime: string;
    }
  | { kind: 'removed'; bucket: string; key: string; sequencer?: string; eventTime: string };

export type Outcome = 'ingested' | 'unchanged' | 'rejected' | 'deleted' | 'ignored' | 'stale' | 'missing';

export interface IngesterOptions {
  store: IngestStore;
  objects: ObjectSource;
  log: Log;
  maxObjectBytes: number;
  /** The clock, for "last change" times; tests pass a fixed one. */
  now?: () => Date;
}

const MAX_ATTEMPTS = 20;

type Parsed = { article: Article; warnings: string[] } | { reason: string };

export class Ingester {
  private readonly store: IngestStore;
  private readonly objects: ObjectSource;
  private readonly log: Log;
  private readonly maxObjectBytes: number;
  private readonly now: () => Date;

  constructor(options: IngesterOptions) {
    this.store = options.store;
    this.objects = options.objects;
    this.log = options.log;
    this.maxObjectBytes = options.maxObjectBytes;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Applies one event. Returns what happened; throws only for transient failures (the store or S3 not
   * answering), which the caller retries. Bad files end as `rejected`, never as a throw.
   */
  async apply(
    event: ObjectEvent,
    options: {
      force?: boolean;
      /** Collects the feeds (topic slugs, ALL) whose content this event changed: what WebSub hubs hear of. */
      changed?: Set<string>;
    } = {},
  ): Promise<Outcome> {
    const { key } = event;
    const changed = options.changed ?? new Set<string>();
    if (!isArticleKey(key)) {
      this.log.debug('ignored: not an article file (.md, .markdown or .txt)', { key });
      return 'ignored';
    }
    const sent = event.sequencer;
    const sequencer = sent === undefined ? undefined : storedSequencer(sent);
    const badKey = keyProblem(key);
    let object: StoredObject | undefined;
    let parsed: Parsed | undefined;
    let file: FileRecord | undefined;
    /** The article's record when it was read with the file's (undefined: there is none). */
    let prefetched: { record: ArticleRecord | undefined } | undefined;
    let objectRead = false;
    if (
      event.kind === 'created' &&
      sequencer !== undefined &&
      badKey === undefined &&
      !(event.size !== undefined && event.size > this.maxObjectBytes)
    ) {
      // An upload's object is read first: the file's record and its article's then come in one request.
      object = await this.objects.get(event.bucket, key);
      objectRead = true;
      if (object && object.body.length <= this.maxObjectBytes) parsed = this.parse(key, object.body);
      if (parsed && 'article' in parsed) {
        const both = await this.store.getFileAndArticle(key, parsed.article.articleId);
        file = both.file;
        prefetched = { record: both.article };
      } else {
        file = await this.store.getFile(key);
      }
    } else {
      file = await this.store.getFile(key);
    }
    if (sent !== undefined && file && !isLaterThanStored(sent, file.sequencer)) {
      this.log.debug('skipped: an event as new or newer for this key was already applied', {
        key,
        sequencer: sent,
      });
      return 'stale';
    }
    // Written only over the record read (or, if another event got there first, over an older one).
    const commit = (record: Omit<FileRecord, 'key' | 'sequencer'>) =>
      this.store.putFile(
        { key, sequencer: sequencer ?? file?.sequencer ?? '', ...record },
        file?.sequencer ?? (sequencer === undefined ? '' : undefined),
      );

    if (event.kind === 'removed') {
      // In a versioned bucket, deleting one version (not the key) sends ObjectRemoved:Delete too, while the
      // key keeps a current version (an older one may even become current again). The file is gone only if
      // the key is; otherwise it is applied as it is now.
      object = await this.objects.get(event.bucket, key);
      if (!object) {
        if (file?.articleId) await this.detach(event.bucket, key, file.articleId, changed);
        await commit({ status: 'deleted', at: event.eventTime });
        this.log.info('deleted', { key });
        return 'deleted';
      }
      this.log.info('a version was deleted but the key remains: applying its current content', { key });
    }
    const announced = event.kind === 'created' ? { size: event.size, eTag: event.eTag } : {};

    const reject = async (reason: string, eTag?: string): Promise<Outcome> => {
      // The article of an earlier good version stays (nothing is lost); the file is listed as rejected.
      await commit({
        status: 'rejected',
        reason,
        eTag,
        articleId: file?.articleId,
        at: event.eventTime,
        parser: PARSER_VERSION,
      });
      this.log.error(`rejected ${key}: ${reason}`, { key, reason });
      return 'rejected';
    };
    if (badKey !== undefined) return reject(badKey, announced.eTag);

    // Without an event (reconciliation), an object whose ETag was applied by this parser is skipped unread.
    const alreadyApplied = (eTag: string | undefined) =>
      sequencer === undefined &&
      !options.force &&
      file !== undefined &&
      file.status !== 'deleted' &&
      file.eTag !== undefined &&
      file.eTag === eTag &&
      file.parser === PARSER_VERSION;
    if (!object) {
      if (alreadyApplied(announced.eTag)) return 'unchanged';
      if (announced.size !== undefined && announced.size > this.maxObjectBytes) {
        return reject(this.tooLarge(announced.size), announced.eTag);
      }
      if (!objectRead) object = await this.objects.get(event.bucket, key);
      if (!object) {
        this.log.info('skipped: the object no longer exists (its removal event follows)', { key });
        return 'missing';
      }
    }
    const eTag = object.eTag ?? announced.eTag;
    if (alreadyApplied(eTag)) return 'unchanged';
    if (object.body.length > this.maxObjectBytes) return reject(this.tooLarge(object.body.length), eTag);

    parsed ??= this.parse(key, object.body);
    if ('reason' in parsed) return reject(parsed.reason, eTag);
    const { article } = parsed;
    for (const warning of parsed.warnings) this.log.warn(`${key}: ${warning}`, { key, warning });

    try {
      if (file?.articleId && file.articleId !== article.articleId && file.status !== 'deleted') {
        // The file's link changed: it no longer carries its old article.
        await this.detach(event.bucket, key, file.articleId, changed);
      }
      // When this content was written: an event that arrives late reads the object as it is now, so the time
      // that goes with the content is the object's, not the event's (which makes the outcome order-free).
      const writtenAt = object.lastModified ?? event.eventTime;
      const shown = await this.attach(key, writtenAt, article, changed, prefetched);
      await commit({
        status: 'ok',
        eTag,
        articleId: article.articleId,
        at: event.eventTime,
        parser: PARSER_VERSION,
      });
      this.log.info(shown ? 'ingested' : 'unchanged', { key, articleId: article.articleId });
      return shown ? 'ingested' : 'unchanged';
    } catch (e) {
      // The store refused what the article carries (the size check above leaves little to reach it):
      // retrying would fail the same way for ever.
      if (e instanceof InvalidArticleError) return reject(e.reason, eTag);
      throw e;
    }
  }

  /** The article in a file's bytes, or why the file is rejected. */
  private parse(key: string, body: Uint8Array): Parsed {
    try {
      const { article, warnings } = parseArticle(body);
      const tooLarge = sizeProblem(this.store, key, article);
      return tooLarge === undefined ? { article, warnings } : { reason: tooLarge };
    } catch (e) {
      if (e instanceof InvalidArticleError) return { reason: e.reason };
      throw e;
    }
  }

  private tooLarge(size: number): string {
    return `the file is ${formatKB(size)}, over the ${formatKB(this.maxObjectBytes)} limit for an article file`;
  }

  /** Makes `key` carry `article`. Returns whether what the feeds show changed. */
  private async attach(
    key: string,
    time: string,
    article: Article,
    changed: Set<string>,
    prefetched?: { record: ArticleRecord | undefined },
  ): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // The record read with the file's serves the first attempt; after a conflict it is read again.
      const old =
        attempt === 0 && prefetched ? prefetched.record : await this.store.getArticle(article.articleId);
      const newer =
        !old ||
        (old.sourceKey === key
          ? time >= old.sourceTime
          : time > old.sourceTime || (time === old.sourceTime && key > old.sourceKey));
      const files = {
        ...old?.files,
        [key]: time > (old?.files[key] ?? '') ? time : (old?.files[key] as string),
      };
      const content = newer ? article : (old as ArticleRecord);
      const sameContent =
        old !== undefined &&
        old.published === content.published &&
        JSON.stringify(old.entry) === JSON.stringify(content.entry);
      const sameFiles = old !== undefined && JSON.stringify(old.files) === JSON.stringify(files);
      if (old && sameContent && sameFiles && old.sourceKey === (newer ? key : old.sourceKey)) {
        if (old.pending) await this.fanOut(old, changed);
        return false;
      }
      const record: ArticleRecord = {
        articleId: article.articleId,
        canonicalUrl: content.canonicalUrl,
        published: content.published,
        entry: content.entry,
        files,
        sourceKey: newer ? key : (old as ArticleRecord).sourceKey,
        sourceTime: newer ? time : (old as ArticleRecord).sourceTime,
        version: (old?.version ?? 0) + 1,
      };
      // A file not shown claims its spellings before the record lists it: once listed, a redelivered event
      // finds nothing to do, so a claim left for after the write would be lost if the function died first.
      if (!newer) await claimNames(this.store, article, time, this.now().toISOString());
      if (sameContent && !old?.pending) {
        // Only the bookkeeping changed (another file with the same link): no feed changes.
        try {
          await this.store.putArticle(record, old?.version ?? 0);
        } catch (e) {
          if (e instanceof ConflictError) continue;
          throw e;
        }
        return false;
      }
      const next = withPending(record, old);
      try {
        await this.store.putArticle(next, old?.version ?? 0);
      } catch (e) {
        if (e instanceof ConflictError) continue;
        throw e;
      }
      await this.fanOut(next, changed);
      return true;
    }
    throw new ConflictError(`article ${article.articleId} kept changing under ${key}; will retry`);
  }

  /** Removes `key` from the files carrying an article; removes the article when no file carries it. */
  private async detach(bucket: string, key: string, articleId: string, changed: Set<string>): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const old = await this.store.getArticle(articleId);
      if (!old || !(key in old.files)) return;
      const files = { ...old.files };
      delete files[key];
      const remaining = Object.entries(files).sort(([ka, ta], [kb, tb]) =>
        ta === tb ? (ka < kb ? 1 : -1) : ta < tb ? 1 : -1,
      );
      let record: ArticleRecord;
      if (remaining.length === 0) {
        record = { ...old, files, published: false, version: old.version + 1 };
      } else if (old.sourceKey !== key) {
        record = { ...old, files, version: old.version + 1 };
      } else {
        // The shown file went away: show the newest remaining file with this link, as it is now.
        const [nextKey, nextTime] = remaining[0] as [string, string];
        const replacement = await this.readArticle(bucket, nextKey);
        const content = replacement?.articleId === articleId ? replacement : old;
        record = {
          ...old,
          published: content.published,
          entry: content.entry,
          files,
          sourceKey: nextKey,
          sourceTime: nextTime,
          version: old.version + 1,
        };
      }
      const next = withPending(record, old);
      try {
        await this.store.putArticle(next, old.version);
      } catch (e) {
        if (e instanceof ConflictError) continue;
        throw e;
      }
      await this.fanOut(next, changed);
      return;
    }
    throw new ConflictError(`article ${articleId} kept changing while removing ${key}; will retry`);
  }

  private async readArticle(bucket: string, key: string): Promise<Article | undefined> {
    const object = await this.objects.get(bucket, key);
    if (!object || object.body.length > this.maxObjectBytes) return undefined;
    try {
      return parseArticle(object.body).article;
    } catch (e) {
      if (e instanceof InvalidArticleError) return undefined;
      throw e;
    }
  }

  private fanOut(record: ArticleRecord, changed: Set<string>): Promise<void> {
    return fanOut(this.store, record, changed, this.now().toISOString());
  }
}
