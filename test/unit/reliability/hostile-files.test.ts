/**
 * Hostile article files through the real ingest core and the real feeds app (in memory): each ends as an
 * article or a rejection with a reason, nothing throws or hangs, and every feed and page rendered afterwards
 * is well-formed and carries no executable markup. The browser check of the same pages is in
 * `npm run reliability`.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { corrupted, hostileArticle } from '../../../tools/reliability/hostile/arbitraries.js';
import {
  frontMatter,
  type HostileFile,
  hostileCatalogue,
  validFields,
} from '../../../tools/reliability/hostile/catalogue.js';
import {
  type FileResult,
  HostileWorld,
  responseProblems,
} from '../../../tools/reliability/hostile/harness.js';
import { HOSTILE_MARKDOWN } from '../../../tools/reliability/hostile/payloads.js';

/** Far above the worst measured (about 0.6 s for a 300 KB hostile body on a loaded machine): "does not hang". */
const HANG_MS = 10_000;
const SEED = 20210314;

const ENDINGS = new Set(['ingested', 'rejected', 'unchanged']);

function expectEnded(r: FileResult): void {
  expect(r.outcome, r.reason).not.toBe('threw');
  expect(ENDINGS.has(r.outcome), `${r.key}: ${r.outcome}`).toBe(true);
  if (r.outcome === 'rejected') expect(r.reason?.trim().length ?? 0, r.key).toBeGreaterThan(10);
  expect(r.ms).toBeLessThan(HANG_MS);
}

async function crawlProblems(world: HostileWorld): Promise<string[]> {
  return (await world.crawl(false)).flatMap((c) => responseProblems(c.path, c.res));
}

describe('the hostile catalogue', () => {
  const catalogue = hostileCatalogue();
  const world = new HostileWorld();
  const results = new Map<string, FileResult>();

  beforeAll(async () => {
    for (const f of catalogue) results.set(f.name, await world.ingest(f.key, f.body));
  });

  it('has a varied catalogue: rejections and articles, large and small', () => {
    expect(catalogue.length).toBeGreaterThan(60);
    expect(catalogue.filter((f) => f.expect === 'article').length).toBeGreaterThan(20);
    expect(catalogue.filter((f) => f.expect === 'rejected').length).toBeGreaterThan(20);
    expect(Math.max(...catalogue.map((f) => f.body.length))).toBeGreaterThan(800 * 1024);
  });

  it.each(catalogue.map((f) => [f.name, f] as [string, HostileFile]))('%s ends as it should', (_name, f) => {
    const r = results.get(f.name) as FileResult;
    expectEnded(r);
    if (f.expect === 'article') expect(r.outcome, r.reason).toBe('ingested');
    if (f.expect === 'rejected') expect(r.outcome).toBe('rejected');
    if (r.outcome === 'rejected' && f.reason) expect(r.reason).toMatch(f.reason);
  });

  it('leaves every feed and page well-formed, with no executable markup', async () => {
    const crawled = await world.crawl(false);
    // Every topic of the catalogue's articles is reachable.
    expect(crawled.length).toBeGreaterThan(100);
    expect(crawled.flatMap((c) => responseProblems(c.path, c.res))).toEqual([]);
  });

  it('pollutes no prototype', () => {
    const probe = {} as Record<string, unknown>;
    expect(probe.polluted).toBeUndefined();
    expect(probe.__pwned).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

describe('any hostile file (fast-check)', () => {
  it('random bytes end as a rejection or an article, never a throw', async () => {
    const world = new HostileWorld();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expectEnded(await world.ingest(`bytes/${n++}.md`, bytes));
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(await crawlProblems(world)).toEqual([]);
  });

  it('corrupted copies of a valid file end one way or the other, and the feeds stay well-formed', async () => {
    const valid = Buffer.from(
      frontMatter(
        validFields({ topics: ['Corrupted', 'Hostile input'], excerpt: 'An excerpt.' }),
        HOSTILE_MARKDOWN,
      ),
    );
    const world = new HostileWorld();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(corrupted(valid), async (bytes) => {
        expectEnded(await world.ingest(`corrupted/${n++}.md`, bytes));
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(await crawlProblems(world)).toEqual([]);
  });

  it('files with hostile text and types in every field render safely in every feed and page', async () => {
    let articles = 0;
    let files = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(hostileArticle, { minLength: 1, maxLength: 4 }), async (bodies) => {
        const world = new HostileWorld();
        for (const [i, body] of bodies.entries()) {
          const r = await world.ingest(`structured/${i}.md`, body);
          expectEnded(r);
          files++;
          if (r.outcome === 'ingested') articles++;
        }
        expect(await crawlProblems(world)).toEqual([]);
      }),
      { seed: SEED, numRuns: 40 },
    );
    // The generator reaches the renderers, not only the validators.
    expect(articles).toBeGreaterThan(files / 5);
  });
});
