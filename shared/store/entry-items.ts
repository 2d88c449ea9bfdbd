/**
 * How a feed entry item is kept in the table (its key: table-layout.ts), apart from the adapter's requests:
 *
 * - `z`: the FeedEntry without its body, as JSON compressed with raw deflate and a preset dictionary of the
 *   entry's field names and common values. A corpus entry is about 1.3 KB of JSON and 570 bytes so: one
 *   write unit instead of two for each of an article's entries, and half the read units of a feed's Query.
 *   The first byte is the dictionary's version; a new dictionary takes a new version, and old ones stay
 *   readable as long as items written with them may exist.
 * - `n`: the UTF-8 bytes of the whole entry as JSON, body included: what a page's byte budget counts.
 * - `b`: true when the entry has a body, which the article item keeps (one BatchGetItem reads a page's).
 * - `v`: the article version the entry was written from (conditional writes, and a body read's freshness).
 * - `c`: a token of the write that created the item, kept by later writes: whether a write the SDK sent again
 *   created it (see the adapter's putEntry). Not part of entryFields; ENTRY_TOKEN is its size's stand-in.
 *
 * Items written before carry the whole entry, body included, as a map in `e`, and no `n`: still read.
 * node:zlib does the compression; only the dictionary is ours.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { EntryFacts, FeedEntry } from '../article/model.js';
import { entryKey, TABLE_SCHEMA } from './table-layout.js';
import { storedEntry } from './types.js';

type Item = Record<string, AttributeValue>;

/** Version 1 of the dictionary (never change it: add a version). Later strings compress best, so keys last. */
const DICTIONARIES: Record<number, Buffer> = {
  1: Buffer.from(
    [
      '"image/jpeg"},"image/png"},"image/webp"},',
      '"category":"news","type":"article","quality":,"heat":',
      '"related":[{"title":"","url":"https://www.","publishedDateTime":"","provider":""},{"title":"',
      '"topics":[{"slug":"","name":""},{"slug":"',
      '"provider":{"name":"","domain":".com"},',
      '"image":{"url":"https://","width":,"height":,"type":',
      '{"id":"urn:uuid:","articleId":"","url":"https://www.","title":"",',
      '"published":"T00:00:00.000Z","updated":"T00:00:00.000Z","summary":"',
    ].join(''),
  ),
};
const VERSION = 1;

/**
 * What a creation token (`c`) looks like, for measuring an entry item before it is written: the longest kept
 * (16 characters now; an item written by an earlier version may keep a 36-character one).
 */
export const ENTRY_TOKEN = '00000000-0000-4000-8000-000000000000';

/** The plain item (before marshalling) that keeps `entry` at `position` in `feed`. */
export function entryFields(feed: string, position: string, entry: FeedEntry, version: number) {
  const stored = storedEntry(entry, version);
  const json = Buffer.from(JSON.stringify(stored.entry));
  const packed = deflateRawSync(json, { dictionary: DICTIONARIES[VERSION] });
  return {
    ...entryKey(feed, position),
    v: version,
    z: Buffer.concat([Buffer.of(VERSION), packed]),
    n: stored.bytes,
    b: stored.bodyVersion === undefined ? undefined : true,
  };
}

/** The entry an item keeps (without the body when `b`), and the facts a page needs of it. */
export function readEntryItem(item: Item): { entry: FeedEntry; facts: EntryFacts } {
  const position = item[TABLE_SCHEMA.sortKey]?.S as string;
  const packed = item.z?.B;
  if (packed === undefined) {
    const entry = unmarshall(item.e?.M ?? {}) as FeedEntry;
    return { entry, facts: { position, bytes: Buffer.byteLength(JSON.stringify(entry)) } };
  }
  const entry = decodeEntry(packed, position);
  return {
    entry,
    facts: {
      position,
      bytes: Number(item.n?.N ?? 0),
      bodyVersion: item.b?.BOOL ? Number(item.v?.N) : undefined,
    },
  };
}

/** The entry kept in an item's `z` attribute (what operator tools show of an entry item). */
export function decodeEntry(packed: Uint8Array, position: string): FeedEntry {
  const dictionary = DICTIONARIES[packed[0] as number];
  if (!dictionary) throw new Error(`feed entry ${position}: unknown encoding ${packed[0]}`);
  return JSON.parse(inflateRawSync(packed.subarray(1), { dictionary }).toString('utf8')) as FeedEntry;
}
