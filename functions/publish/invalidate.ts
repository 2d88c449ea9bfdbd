/**
 * CloudFront, made fresh before a hub fetches: one invalidation of `/*` per batch, waited for until complete.
 * A wildcard path is priced as one path however much it removes, and the feeds are cached only for
 * feedMaxAge anyway, so one `/*` costs less than the four paths or more (`/rss.xml`, `/atom.xml`,
 * `/feed.json`, `/topics/<slug>/*` per topic) that every change would otherwise need (README, Cost).
 */
import { randomUUID } from 'node:crypto';
import {
  type CloudFrontClient,
  CreateInvalidationCommand,
  waitUntilInvalidationCompleted,
} from '@aws-sdk/client-cloudfront';

export const INVALIDATION_PATHS = ['/*'];

export function cloudFrontInvalidator(
  client: CloudFrontClient,
  distributionId: string,
  /** How long to wait for the invalidation to complete before the batch fails (and is delivered again). */
  maxWaitSeconds = 300,
): () => Promise<void> {
  return async () => {
    const created = await client.send(
      new CreateInvalidationCommand({
        DistributionId: distributionId,
        InvalidationBatch: {
          CallerReference: randomUUID(),
          Paths: { Quantity: INVALIDATION_PATHS.length, Items: INVALIDATION_PATHS },
        },
      }),
    );
    const id = created.Invalidation?.Id;
    if (!id) throw new Error('CloudFront returned no invalidation id');
    await waitUntilInvalidationCompleted(
      { client, maxWaitTime: maxWaitSeconds, minDelay: 2, maxDelay: 10 },
      { DistributionId: distributionId, Id: id },
    );
  };
}
