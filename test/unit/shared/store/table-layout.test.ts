/** The table layout: keys, index keys, and items read back by kind (what tools reading raw items rely on). */
import { describe, expect, it } from 'vitest';
import { ALL } from '../../../../shared/article/model.js';
import { providerFeed } from '../../../../shared/article/provider-feed.js';
import { DYNAMO_LIMITS, utf8Bytes } from '../../../../shared/store/limits.js';
import {
  articleKey,
  entryKey,
  feedIndexKey,
  fileKey,
  INDEX,
  itemOf,
  rejectedIndexKey,
  topicKey,
} from '../../../../shared/store/table-layout.js';

describe('the table layout', () => {
  it('names every item by a key whose kind (and feed) reads back', () => {
    const provider = providerFeed('example.com') as string;
    expect(itemOf(articleKey('id-1').pk)).toEqual({ kind: 'article' });
    expect(itemOf(entryKey(provider, '2026#id').pk)).toEqual({ kind: 'entry', feed: provider });
    expect(itemOf(topicKey('北朝鮮').pk)).toEqual({ kind: 'feed', feed: '北朝鮮' });
    expect(itemOf(fileKey('a/b#c.md').pk)).toEqual({ kind: 'file' });
    expect(itemOf('X#y')).toBeUndefined();
  });

  it('names a file by its hash when its key is too long for a partition key', () => {
    const long = `${'é'.repeat(1100)}.md`;
    const key = fileKey(long);
    expect(utf8Bytes(key.pk)).toBeLessThanOrEqual(DYNAMO_LIMITS.partitionKeyBytes);
    expect(key.pk).toMatch(/^L#[0-9a-f]{64}$/);
    expect(itemOf(key.pk)).toEqual({ kind: 'file' });
    expect(fileKey('short.md').pk).toBe('K#short.md');
  });

  it('lists topics and providers in their own index partitions, and ALL in none', () => {
    const provider = providerFeed('Example.com') as string;
    expect(feedIndexKey('election')).toEqual({ gsi1pk: INDEX.topics, gsi1sk: 'election' });
    expect(feedIndexKey(provider)).toEqual({ gsi1pk: INDEX.providers, gsi1sk: provider });
    expect(feedIndexKey(ALL)).toBeUndefined();
  });

  it('cuts a rejected file’s index sort key to the bytes an index sort key holds', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const { gsi1pk, gsi1sk } = rejectedIndexKey(at, 'ü'.repeat(1000));
    expect(gsi1pk).toBe(INDEX.rejected);
    expect(utf8Bytes(gsi1sk)).toBeLessThanOrEqual(DYNAMO_LIMITS.sortKeyBytes);
    expect(gsi1sk.startsWith(`${at}#ü`)).toBe(true);
  });
});
