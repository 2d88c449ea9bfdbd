import { describe, expect, it } from 'vitest';
import { humanDate } from '../../../shared/feeds/render/entry.js';
import { groupDigits } from '../../../shared/text.js';

describe('groupDigits', () => {
  it('writes counts as en-US does, with a comma every three digits', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 300_000, 1_234_567, 10 ** 12, -4500, 1234.5]) {
      expect(groupDigits(n)).toBe(n.toLocaleString('en-US', { maximumFractionDigits: 20 }));
    }
  });
});

describe('humanDate', () => {
  it('writes the UTC day, the short month and the year, as en-GB does', () => {
    const format = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'UTC',
    });
    for (const iso of [
      '2021-03-14T23:59:59Z',
      '2026-11-01T00:00:00Z',
      '1999-12-31T12:00:00Z',
      '2024-02-29T08:00:00Z',
    ]) {
      const d = new Date(iso);
      expect(humanDate(d)).toBe(format.format(d));
    }
  });
});

describe('FEED_METADATA_REUSE_MS', () => {
  it('sets how long topic metadata serves other requests, 250 ms by default, refused outside 0 to 10,000', async () => {
    const { readFeedsConfig } = await import('../../../shared/config.js');
    expect(readFeedsConfig({ TABLE_NAME: 't' }).metadataReuseMs).toBe(250);
    expect(readFeedsConfig({ TABLE_NAME: 't', FEED_METADATA_REUSE_MS: '50' }).metadataReuseMs).toBe(50);
    expect(() => readFeedsConfig({ TABLE_NAME: 't', FEED_METADATA_REUSE_MS: '-1' })).toThrow(
      /FEED_METADATA_REUSE_MS/,
    );
    expect(() => readFeedsConfig({ TABLE_NAME: 't', FEED_METADATA_REUSE_MS: 'soon' })).toThrow(
      /FEED_METADATA_REUSE_MS/,
    );
  });

  it('bounds merged feeds: 10 topics and 50 items a page by default, never above the URL ceiling or maxLimit', async () => {
    const { readFeedsConfig } = await import('../../../shared/config.js');
    expect(readFeedsConfig({ TABLE_NAME: 't' })).toMatchObject({ maxMergedTopics: 10, mergedMaxLimit: 50 });
    expect(readFeedsConfig({ TABLE_NAME: 't', FEED_MAX_LIMIT: '20' }).mergedMaxLimit).toBe(20);
    expect(() => readFeedsConfig({ TABLE_NAME: 't', FEED_MAX_MERGED_TOPICS: '21' })).toThrow(
      'FEED_MAX_MERGED_TOPICS must be between 1 and 20, got 21',
    );
    expect(() =>
      readFeedsConfig({ TABLE_NAME: 't', FEED_MAX_LIMIT: '20', FEED_MERGED_MAX_LIMIT: '30' }),
    ).toThrow('FEED_MERGED_MAX_LIMIT must be between 1 and 20, got 30');
  });
});
