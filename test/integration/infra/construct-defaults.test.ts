/**
 * The constructs' documented defaults are the deployment settings' defaults: the constructs built with their
 * required props only (under the stack's construct ids) define the very resources the stack defines from the
 * default settings.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, expect, it } from 'vitest';
import { ArticleBucket } from '../../../infra/constructs/article-bucket.js';
import { ArticleTable } from '../../../infra/constructs/article-table.js';
import {
  CACHE_POLICY_QUERY_STRINGS_QUOTA,
  cachePolicyComment,
  FEED_QUERY_PARAMETERS,
  FeedsSite,
  queryStringQuotaWarning,
} from '../../../infra/constructs/feeds-site.js';
import { Ingest } from '../../../infra/constructs/ingest.js';
import { Reconcile } from '../../../infra/constructs/reconcile.js';
import { buildStack, cleanOutdirs, testApp } from '../../support/infra.js';

afterAll(cleanOutdirs);

it('the constructs with their required props only define what the stack defines from the default settings', () => {
  const byDefault = buildStack().template.toJSON().Resources as Record<string, unknown>;

  const stack = new Stack(testApp(), 'Feedbucket');
  const articles = new ArticleBucket(stack, 'Articles');
  const store = new ArticleTable(stack, 'Store');
  const { bucket, queue } = articles;
  new Ingest(stack, 'Ingest', { bucket, queue, table: store.table });
  // The one default that differs on purpose: the construct reserves nothing unless told, the setting 10.
  new FeedsSite(stack, 'Feeds', { table: store.table, reservedConcurrency: 10 });
  new Reconcile(stack, 'Reconcile', { bucket, table: store.table });
  const minimal = Template.fromStack(stack).toJSON().Resources as Record<string, unknown>;

  expect(Object.keys(minimal).length).toBeGreaterThan(20);
  for (const [id, resource] of Object.entries(minimal)) {
    expect({ id, resource: byDefault[id] }).toEqual({ id, resource });
  }
});

it('names the cache key parameters in the cache policy comment while they fit its 128 characters', () => {
  expect(cachePolicyComment(['limit', 'cursor', 'format'])).toBe(
    'feedbucket feeds: path + limit, cursor, format; TTL from the function Cache-Control',
  );
  // The tailoring parameters make the feeds' own list too long to name.
  expect(cachePolicyComment(FEED_QUERY_PARAMETERS)).toBe(
    `feedbucket feeds: path + ${FEED_QUERY_PARAMETERS.length} query parameters; TTL from the function Cache-Control`,
  );
  const many = [...FEED_QUERY_PARAMETERS, ...Array.from({ length: 12 }, (_, i) => `filter_parameter_${i}`)];
  const comment = cachePolicyComment(many);
  expect(comment).toBe(
    `feedbucket feeds: path + ${many.length} query parameters; TTL from the function Cache-Control`,
  );
  expect(comment.length).toBeLessThanOrEqual(128);
});

it("warns at synth when the cache key names more query parameters than CloudFront's default quota", () => {
  // The feeds' 16 parameters (paging, OPML, the tailoring) exceed it: the account's quota must be raised.
  expect(FEED_QUERY_PARAMETERS).toHaveLength(16);
  expect(queryStringQuotaWarning(FEED_QUERY_PARAMETERS)).toMatch(
    /names 16 query parameters; CloudFront allows 10 .*TooManyQueryStringsInCachePolicy/,
  );
  const upTo = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);
  expect(queryStringQuotaWarning(upTo(CACHE_POLICY_QUERY_STRINGS_QUOTA))).toBeUndefined();
  expect(queryStringQuotaWarning(upTo(CACHE_POLICY_QUERY_STRINGS_QUOTA + 1))).toMatch(
    /names 11 query parameters; CloudFront allows 10 .*TooManyQueryStringsInCachePolicy/,
  );
});
