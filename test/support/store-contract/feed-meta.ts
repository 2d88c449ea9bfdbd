/**
 * The store contract, feed metadata (topics, providers, ALL): counts, revisions, the name claim primitives
 * (the first claim written is kept; a kept claim is replaced only over the one compared with), listing, and
 * the recount's reads and conditional correction.
 */
import { expect, it } from 'vitest';
import { ALL } from '../../../shared/article/model.js';
import { NO_NAME_CLAIM } from '../../../shared/article/name-claim.js';
import { providerFeed } from '../../../shared/article/provider-feed.js';
import { positionOf } from '../../../shared/store/types.js';
import { type ContractContext, contractEntry } from './context.js';

const t = (second: number) => `2026-03-01T00:00:${String(second).padStart(2, '0')}.000Z`;

export function feedMetaCases({ store, fresh }: ContractContext): void {
  it('feed meta: a change creates the feed named by its claim, adds to its count and bumps its revision', async () => {
    const s = store();
    const slug = fresh('topic');
    expect(await s.getTopic(slug)).toBeUndefined();
    expect(await s.touchTopic({ slug, name: 'Later', nameGivenAt: t(9), countDelta: 1, at: t(50) })).toEqual({
      name: 'Later',
      givenAt: t(9),
    });
    // The first claim written is kept by the store, whatever the next one says: the rule is the domain's.
    expect(
      await s.touchTopic({ slug, name: 'Earlier', nameGivenAt: t(1), countDelta: 1, at: t(51) }),
    ).toEqual({
      name: 'Later',
      givenAt: t(9),
    });
    await s.touchTopic({ slug, name: 'x', countDelta: -1, at: t(52) });
    expect(await s.getTopic(slug)).toEqual({ slug, name: 'Later', count: 1, revision: 3, lastChange: t(52) });
    const unnamed = fresh('topic');
    expect(await s.touchTopic({ slug: unnamed, name: unnamed, countDelta: 0, at: t(53) })).toEqual({
      name: unnamed,
      givenAt: NO_NAME_CLAIM,
    });
    expect(await s.getNameClaim(unnamed)).toEqual({ name: unnamed, givenAt: NO_NAME_CLAIM });
  });

  it('name claims: replaced only over the claim kept, with the revision bumped', async () => {
    const s = store();
    const slug = fresh('named');
    expect(await s.getNameClaim(slug)).toBeUndefined();
    const first = { name: 'local policy', givenAt: t(34) };
    await s.touchTopic({ slug, name: first.name, nameGivenAt: first.givenAt, countDelta: 1, at: t(50) });
    const earlier = { name: 'Local Policy', givenAt: t(33) };
    // Compared with another claim than the one kept (its spelling or its time): refused, nothing changes.
    expect(await s.replaceName(slug, earlier, { name: 'Local Policy', givenAt: t(34) })).toBe(false);
    expect(await s.replaceName(slug, earlier, { name: 'local policy', givenAt: t(35) })).toBe(false);
    expect(await s.getTopic(slug)).toMatchObject({ name: 'local policy', revision: 1 });
    expect(await s.replaceName(slug, earlier, first)).toBe(true);
    expect(await s.getNameClaim(slug)).toEqual(earlier);
    expect(await s.getTopic(slug)).toMatchObject({ name: 'Local Policy', count: 1, revision: 2 });
    // The same spelling at an earlier time: its time is lowered.
    expect(await s.replaceName(slug, { ...earlier, givenAt: t(30) }, earlier)).toBe(true);
    expect(await s.getNameClaim(slug)).toEqual({ ...earlier, givenAt: t(30) });
    // A feed that does not exist has no claim to replace.
    expect(await s.replaceName(fresh('none'), earlier, first)).toBe(false);
  });

  it('feed meta: several read in one batch, the missing ones absent', async () => {
    const s = store();
    const slugs = Array.from({ length: 105 }, () => fresh('batch'));
    await Promise.all(
      slugs.slice(0, 101).map((slug) => s.touchTopic({ slug, name: slug, countDelta: 2, at: t(1) })),
    );
    const got = await s.getTopics(slugs);
    expect([...got.keys()].sort()).toEqual(slugs.slice(0, 101).sort());
    expect(got.get(slugs[0] as string)).toEqual({
      slug: slugs[0],
      name: slugs[0],
      count: 2,
      revision: 1,
      lastChange: t(1),
    });
  });

  it('listing: topics with articles (not ALL, not providers); providers with articles, by domain', async () => {
    const s = store();
    const base = fresh('list');
    const topic = `${base}-topic`;
    const empty = `${base}-empty`;
    const [a, b] = [`a-${base}.example`, `b-${base}.example`];
    const touch = (slug: string, name: string, countDelta: number) =>
      s.touchTopic({ slug, name, nameGivenAt: t(1), countDelta, at: t(2) });
    await touch(topic, 'Topic', 1);
    await touch(empty, 'Empty', 0);
    await touch(ALL, ALL, 1);
    await touch(providerFeed(b) as string, 'B Daily', 2);
    await touch(providerFeed(a) as string, 'A Times', 1);
    await touch(providerFeed(`gone-${base}.example`) as string, 'Gone', 0);
    const topics = (await s.listTopics()).filter((x) => x.slug.startsWith(base) || x.slug.startsWith('_'));
    expect(topics).toEqual([{ slug: topic, name: 'Topic', count: 1, revision: 1, lastChange: t(2) }]);
    const providers = (await s.listProviders()).filter((p) => p.domain.endsWith(`${base}.example`));
    expect(providers).toEqual([
      { slug: providerFeed(a), domain: a, name: 'A Times', count: 1, revision: 1, lastChange: t(2) },
      { slug: providerFeed(b), domain: b, name: 'B Daily', count: 2, revision: 1, lastChange: t(2) },
    ]);
  });

  it('recount: every feed with metadata listed; a count set only when it differs and the revision holds', async () => {
    const s = store();
    const slug = fresh('recount');
    const provider = providerFeed(`${slug}.example`) as string;
    await s.touchTopic({ slug, name: slug, countDelta: 3, at: t(1) });
    await s.touchTopic({ slug: provider, name: 'P', countDelta: 1, at: t(1) });
    const slugs = await s.listTopicSlugs();
    expect(slugs).toEqual(expect.arrayContaining([ALL, slug, provider]));
    const e = contractEntry(t(5));
    await s.putEntry(slug, positionOf(e), e, 1);
    expect(await s.countEntries(slug)).toBe(1);
    expect(await s.setTopicCount(slug, 3, t(6))).toBe(false); // the same count
    expect(await s.setTopicCount(slug, 1, t(6), 7)).toBe(false); // another revision
    expect(await s.setTopicCount(fresh('missing'), 1, t(6))).toBe(false);
    expect(await s.setTopicCount(slug, 1, t(6), 1)).toBe(true);
    expect(await s.getTopic(slug)).toMatchObject({ count: 1, revision: 2, lastChange: t(6) });
  });
}
