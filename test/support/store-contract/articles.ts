/**
 * The store contract, articles: optimistic concurrency on the version, the file and article read together, and
 * the bodies a feed page reads (never older than the entry's version).
 */
import { expect, it } from 'vitest';
import { ConflictError } from '../../../shared/errors.js';
import { storedSequencer } from '../../../shared/store/sequencer.js';
import { MAX_BODIES_PER_READ } from '../../../shared/store/types.js';
import { type ContractContext, contractArticle, contractEntry } from './context.js';

const published = '2026-02-01T00:00:00.000Z';

export function articleCases({ store, fresh }: ContractContext): void {
  it('articles: created only when absent, replaced only over the version read, read back as written', async () => {
    const s = store();
    const v1 = contractArticle(contractEntry(published), 1);
    expect(await s.getArticle(v1.articleId)).toBeUndefined();
    await s.putArticle(v1, 0);
    expect(await s.getArticle(v1.articleId)).toEqual(v1);
    await expect(s.putArticle(v1, 0)).rejects.toBeInstanceOf(ConflictError);
    const v2 = { ...v1, entry: { ...v1.entry, title: 'Two' }, version: 2, pending: true, stale: [] };
    await expect(s.putArticle(v2, 5)).rejects.toBeInstanceOf(ConflictError);
    await s.putArticle(v2, 1);
    expect(await s.getArticle(v1.articleId)).toEqual(v2);
    // A slow writer that read version 1 is refused.
    await expect(s.putArticle({ ...v1, version: 2 }, 1)).rejects.toBeInstanceOf(ConflictError);
    expect((await s.getArticle(v1.articleId))?.entry.title).toBe('Two');
  });

  it('articles: deleted only at the version read', async () => {
    const s = store();
    const a = contractArticle(contractEntry(published), 3);
    await expect(s.deleteArticle(a.articleId, 3)).rejects.toBeInstanceOf(ConflictError);
    await s.putArticle(a, 0);
    await expect(s.deleteArticle(a.articleId, 2)).rejects.toBeInstanceOf(ConflictError);
    expect(await s.getArticle(a.articleId)).toEqual(a);
    await s.deleteArticle(a.articleId, 3);
    expect(await s.getArticle(a.articleId)).toBeUndefined();
  });

  it('articles: the file and the article in one read, either or both absent', async () => {
    const s = store();
    const a = contractArticle(contractEntry(published), 1);
    const key = `${fresh('both')}.md`;
    expect(await s.getFileAndArticle(key, a.articleId)).toEqual({});
    await s.putArticle(a, 0);
    expect(await s.getFileAndArticle(key, a.articleId)).toEqual({ article: a });
    const file = { key, sequencer: storedSequencer('1'), status: 'ok' as const, at: published };
    await s.putFile(file);
    expect(await s.getFileAndArticle(key, a.articleId)).toEqual({ file, article: a });
    expect(await s.getFileAndArticle(key, contractEntry(published).articleId)).toEqual({ file });
  });

  it('bodies: each article\'s body ("" when none), the gone ones absent, at most a read\'s worth', async () => {
    const s = store();
    const withBody = contractArticle(contractEntry(published, { contentHtml: '<p>Body</p>' }), 1);
    const without = contractArticle(contractEntry(published), 1);
    const gone = contractEntry(published);
    await s.putArticle(withBody, 0);
    await s.putArticle(without, 0);
    const bodies = await s.getBodies([
      { articleId: withBody.articleId, version: 1 },
      { articleId: without.articleId, version: 1 },
      { articleId: gone.articleId, version: 1 },
    ]);
    expect(Object.fromEntries(bodies)).toEqual({
      [withBody.articleId]: '<p>Body</p>',
      [without.articleId]: '',
    });
    // A newer version than the one asked is as good.
    await s.putArticle(
      { ...withBody, entry: { ...withBody.entry, contentHtml: '<p>New</p>' }, version: 2 },
      1,
    );
    expect((await s.getBodies([{ articleId: withBody.articleId, version: 1 }])).get(withBody.articleId)).toBe(
      '<p>New</p>',
    );
    const tooMany = Array.from({ length: MAX_BODIES_PER_READ + 1 }, (_, i) => ({
      articleId: `x${i}`,
      version: 1,
    }));
    await expect(s.getBodies(tooMany)).rejects.toBeInstanceOf(RangeError);
  });

  it('largestItemBytes: the largest item the article makes, its body counted in UTF-8 bytes', async () => {
    const s = store();
    const small = contractArticle(contractEntry(published, { contentHtml: 'x' }), 1);
    const large = contractArticle(contractEntry(published, { contentHtml: 'é'.repeat(50_000) }), 1);
    expect(s.largestItemBytes(large) - s.largestItemBytes(small)).toBeGreaterThanOrEqual(100_000 - 1);
  });
}
