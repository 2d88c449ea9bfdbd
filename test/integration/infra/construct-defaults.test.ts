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
import { CACHE_POLICY_COMMENT, FeedsSite } from '../../../infra/constructs/feeds-site.js';
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

it("keeps the cache policy's comment within CloudFront's 128 characters", () => {
  expect(CACHE_POLICY_COMMENT.length).toBeLessThanOrEqual(128);
});
