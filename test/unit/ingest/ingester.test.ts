import { beforeEach, describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../../shared/article/model.js';
import { ALL } from '../../../shared/article/model.js';
import { Ingester, type ObjectEvent } from '../../../shared/ingest/ingester.js';
import { MemoryStore } from '../../../shared/store/memory.js';
import { type ArticleFields, articleFile } from '../../support/articles.js';
import { MemoryObjects, RecordingLog } from '../../support/fakes.js';
import { orders } from '../../support/histories.js';

const BUCKET = 'articles';

/** A fresh world per test: store, bucket, log, ingester and an event clock. */
function world(options: { maxObjectBytes?: number } = {}) {
  const store = new MemoryStore();
  const objects = new MemoryObjects();
  const log = new RecordingLog();
  const ingester = new Ingester({
    store,
    objects,
    log,
    maxObjectBytes: options.maxObjectBytes ?? 1024 * 1024,
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  let seq = 0x1000;
  let minute = 0;
  const stamp = () => ({
    sequencer: (seq++).toString(16).toUpperCase(),
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, minute++)).toISOString(),
  });
  /**
   * Uploads a file and returns its event (not yet applied). `sameSecondAs` gives it the time of an earlier
   * upload, as S3's LastModified (one-second resolution) does for uploads in the same second.
   */
  const upload = (key: string, content: string | ArticleFields, sameSecondAs?: ObjectEvent): ObjectEvent => {
    const object = objects.put(key, typeof content === 'string' ? content : articleFile(content));
    const event = {
      kind: 'created' as const,
      bucket: BUCKET,
      key,
      size: object.body.length,
      eTag: object.eTag,
      ...stamp(),
    };
    if (sameSecondAs) event.eventTime = sameSecondAs.eventTime;
    object.lastModified = event.eventTime;
    return event;
  };
  const remove = (key: string): ObjectEvent => {
    objects.delete(key);
    return { kind: 'removed', bucket: BUCKET, key, ...stamp() };
  };
  const feed = async (slug: string): Promise<FeedEntry[]> => (await store.queryEntries(slug, 1000)).entries;
  const count = async (slug: string) => (await store.getTopic(slug))?.count ?? 0;
  /** The store's state, for comparing whole tables. */
  const dump = () =>
    JSON.stringify({
      files: [...store.files.entries()].sort(),
      articles: [...store.articles.entries()].sort(),
      feeds: [...store.feeds.entries()].map(([k, v]) => [k, [...v.entries()].sort()]).sort(),
      topics: [...store.topics.entries()].map(([k, t]) => [k, t.name, t.count]).sort(),
    });
  return { store, objects, log, ingester, upload, remove, feed, count, dump };
}

let w: ReturnType<typeof world>;
beforeEach(() => {
  w = world();
});

describe('Ingester: files become articles', () => {
  it('stores a new article in each of its topics and in all articles', async () => {
    const outcome = await w.ingester.apply(
      w.upload('a.txt', { title: 'First', topics: ['Election', 'Joe Biden'] }),
    );
    expect(outcome).toBe('ingested');
    for (const slug of ['election', 'joe-biden', ALL]) {
      expect((await w.feed(slug)).map((e) => e.title)).toEqual(['First']);
      expect(await w.count(slug)).toBe(1);
    }
    expect((await w.store.getTopic('joe-biden'))?.name).toBe('Joe Biden');
    expect(await w.store.getFile('a.txt')).toMatchObject({ status: 'ok', eTag: 'etag-1' });
    const article = [...w.store.articles.values()][0];
    expect(article?.pending).toBeUndefined();
  });

  it('ignores keys that are not article files, with a debug line', async () => {
    expect(await w.ingester.apply(w.upload('photo.jpg', { title: 'x' }))).toBe('ignored');
    expect(w.store.files.size).toBe(0);
    expect(w.log.lines).toEqual([expect.objectContaining({ level: 'debug', extra: { key: 'photo.jpg' } })]);
  });

  it('updates an edited article in place: same id, no duplicate, count unchanged', async () => {
    await w.ingester.apply(w.upload('a.md', { title: 'Old title' }));
    const id = (await w.feed(ALL))[0]?.id;
    expect(await w.ingester.apply(w.upload('a.md', { title: 'New title' }))).toBe('ingested');
    const entries = await w.feed('election');
    expect(entries.map((e) => [e.title, e.id])).toEqual([['New title', id]]);
    expect(await w.count('election')).toBe(1);
  });

  it('re-uploading identical content changes no feed (ETags stay valid)', async () => {
    await w.ingester.apply(w.upload('a.md', { title: 'Same' }));
    const before = await w.store.getTopic('election');
    expect(await w.ingester.apply(w.upload('a.md', { title: 'Same' }))).toBe('unchanged');
    expect(await w.store.getTopic('election')).toEqual(before);
  });

  it('removes an article from the topics it left and adds it to the new ones', async () => {
    await w.ingester.apply(w.upload('a.md', { topics: ['Election', 'Economy'] }));
    await w.ingester.apply(w.upload('a.md', { topics: ['Economy', 'Health'] }));
    expect(await w.feed('election')).toEqual([]);
    expect(await w.count('election')).toBe(0);
    expect((await w.feed('economy')).length).toBe(1);
    expect(await w.count('economy')).toBe(1);
    expect(await w.count('health')).toBe(1);
    expect((await w.store.listTopics()).map((t) => t.slug).sort()).toEqual(['economy', 'health']);
  });

  it('moves the entry when the date changes, keeping one entry per feed', async () => {
    await w.ingester.apply(w.upload('a.md', { publishedDateTime: '2021-01-01T00:00:00Z' }));
    await w.ingester.apply(w.upload('a.md', { publishedDateTime: '2022-01-01T00:00:00Z' }));
    const entries = await w.feed('election');
    expect(entries.map((e) => e.published)).toEqual(['2022-01-01T00:00:00.000Z']);
    expect(await w.count('election')).toBe(1);
  });

  it('published: false removes the article from every feed and keeps its id for later', async () => {
    await w.ingester.apply(w.upload('a.md', { topics: ['Election'] }));
    const id = (await w.feed(ALL))[0]?.id;
    await w.ingester.apply(w.upload('a.md', { topics: ['Election'], published: false }));
    expect(await w.feed(ALL)).toEqual([]);
    expect(await w.feed('election')).toEqual([]);
    expect(await w.count(ALL)).toBe(0);
    await w.ingester.apply(w.upload('a.md', { topics: ['Election'], published: true }));
    expect((await w.feed(ALL))[0]?.id).toBe(id);
  });

  it('deleting the file removes the article and its counts', async () => {
    await w.ingester.apply(w.upload('a.md', { topics: ['Election'] }));
    expect(await w.ingester.apply(w.remove('a.md'))).toBe('deleted');
    expect(await w.feed(ALL)).toEqual([]);
    expect(await w.count('election')).toBe(0);
    expect(w.store.articles.size).toBe(0);
    expect(await w.store.getFile('a.md')).toMatchObject({ status: 'deleted' });
  });

  it('a removal event for a key that still exists (a deleted version) keeps the file as it is now', async () => {
    await w.ingester.apply(w.upload('a.md', { title: 'v1' }));
    await w.ingester.apply(w.upload('a.md', { title: 'v2' }));
    // Deleting version v2 by id makes v1 current again; S3 still sends ObjectRemoved:Delete.
    w.objects.put('a.md', articleFile({ title: 'v1' }));
    const { sequencer, eventTime } = w.remove('a.md');
    w.objects.put('a.md', articleFile({ title: 'v1' }));
    expect(
      await w.ingester.apply({ kind: 'removed', bucket: BUCKET, key: 'a.md', sequencer, eventTime }),
    ).toBe('ingested');
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['v1']);
    expect(await w.store.getFile('a.md')).toMatchObject({ status: 'ok' });
  });

  it('a file whose link changes leaves its old article and carries the new one', async () => {
    await w.ingester.apply(w.upload('a.md', { webUrl: 'https://example.com/one', title: 'One' }));
    await w.ingester.apply(w.upload('a.md', { webUrl: 'https://example.com/two', title: 'Two' }));
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['Two']);
    expect(w.store.articles.size).toBe(1);
    expect(await w.count(ALL)).toBe(1);
  });
});

describe('Ingester: one article per link', () => {
  const link = 'https://example.com/shared-story';

  it('two files with the same link are one article; the latest upload is shown', async () => {
    await w.ingester.apply(w.upload('one.md', { webUrl: link, title: 'From one' }));
    await w.ingester.apply(w.upload('two.md', { webUrl: `${link}#section`, title: 'From two' }));
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['From two']);
    expect(await w.count('election')).toBe(1);
    expect(Object.keys([...w.store.articles.values()][0]?.files ?? {}).sort()).toEqual(['one.md', 'two.md']);
  });

  it('an older upload of another file with the same link, arriving late, does not win', async () => {
    const older = w.upload('one.md', { webUrl: link, title: 'Older' });
    const newer = w.upload('two.md', { webUrl: link, title: 'Newer' });
    await w.ingester.apply(newer);
    await w.ingester.apply(older);
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['Newer']);
  });

  it('deleting one of them keeps the article, shown from the file that remains', async () => {
    await w.ingester.apply(w.upload('one.md', { webUrl: link, title: 'From one' }));
    await w.ingester.apply(w.upload('two.md', { webUrl: link, title: 'From two' }));
    await w.ingester.apply(w.remove('two.md'));
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['From one']);
    expect(await w.count('election')).toBe(1);
    await w.ingester.apply(w.remove('one.md'));
    expect(await w.feed(ALL)).toEqual([]);
    expect(w.store.articles.size).toBe(0);
  });
});

describe("Ingester: a topic's name is the spelling of the earliest upload naming it, in any delivery order", () => {
  it('the event storm of docs/RELIABILITY.md finding 3: an earlier claim of the kept spelling still counts', async () => {
    // T#local-policy in the storm: uploads at :33 "Local Policy", :34 "local policy", :38 "Local Policy"
    // (three links); the :38 event arrived first. Keeping "Local Policy" from :38 and ignoring the same
    // spelling at :33 let "local policy" (:34) take the name.
    for (const order of orders([0, 1, 2])) {
      const v = world();
      const events = [
        v.upload('000082.txt', { webUrl: 'https://example.com/82', topics: ['Local Policy'] }),
        v.upload('000247.txt', { webUrl: 'https://example.com/247', topics: ['local policy'] }),
        v.upload('000421.txt', { webUrl: 'https://example.com/421', topics: ['Local Policy'] }),
      ];
      for (const i of order) await v.ingester.apply(events[i] as ObjectEvent);
      expect((await v.store.getTopic('local-policy'))?.name, `order ${order}`).toBe('Local Policy');
    }
  });

  it('uploads in the same second (LastModified ties) give the name to the smaller spelling, in any order', async () => {
    // T#ukraine in the storm: "ukraine" and "Ukraine" uploaded at :33, by two files with one link each.
    for (const order of orders([0, 1])) {
      const v = world();
      const first = v.upload('000060.txt', { webUrl: 'https://example.com/60', topics: ['ukraine'] });
      const events = [
        first,
        v.upload('000084.txt', { webUrl: 'https://example.com/84', topics: ['Ukraine'] }, first),
      ];
      for (const i of order) await v.ingester.apply(events[i] as ObjectEvent);
      expect((await v.store.getTopic('ukraine'))?.name, `order ${order}`).toBe('Ukraine');
    }
  });

  it('a file not shown (same link, older) names the topic, even after a failure mid-way', async () => {
    const link = 'https://example.com/story';
    const older = w.upload('older.md', { webUrl: link, title: 'Older', topics: ['Japan'] });
    const newer = w.upload('newer.md', { webUrl: link, title: 'Newer', topics: ['japan'] });
    await w.ingester.apply(newer);
    expect((await w.store.getTopic('japan'))?.name).toBe('japan');

    // The store fails on the older file's claim of its spelling, as if the function died there.
    const touchTopic = w.store.touchTopic.bind(w.store);
    w.store.touchTopic = async (change) => {
      if (change.name === 'Japan') throw new Error('connection reset');
      return touchTopic(change);
    };
    await expect(w.ingester.apply(older)).rejects.toThrow('connection reset');
    w.store.touchTopic = touchTopic;
    await w.ingester.apply(older); // redelivered
    expect((await w.store.getTopic('japan'))?.name).toBe('Japan');
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['Newer']);
    expect(await w.count('japan')).toBe(1);
  });
});

describe('Ingester: at-least-once and out-of-order delivery', () => {
  it('the same event three times leaves the store as once', async () => {
    const event = w.upload('a.md', { topics: ['Election', 'Economy'] });
    await w.ingester.apply(event);
    const once = w.dump();
    expect(await w.ingester.apply(event)).toBe('stale');
    expect(await w.ingester.apply(event)).toBe('stale');
    expect(w.dump()).toBe(once);
  });

  it('an older event for a key arriving after a newer one changes nothing', async () => {
    const create = w.upload('a.md', { title: 'v1' });
    const edit = w.upload('a.md', { title: 'v2' });
    const del = w.remove('a.md');
    await w.ingester.apply(create);
    await w.ingester.apply(del);
    const after = w.dump();
    expect(await w.ingester.apply(edit)).toBe('stale');
    expect(w.dump()).toBe(after);
    expect(await w.feed(ALL)).toEqual([]);
  });

  it('files ingested concurrently in one topic never lose a count', async () => {
    const events = Array.from({ length: 40 }, (_, i) =>
      w.upload(`f${i}.md`, { webUrl: `https://example.com/${i}`, topics: ['Election', `T${i % 3}`] }),
    );
    await Promise.all(events.map((e) => w.ingester.apply(e)));
    expect(await w.count('election')).toBe(40);
    expect(await w.count(ALL)).toBe(40);
    expect((await w.count('t0')) + (await w.count('t1')) + (await w.count('t2'))).toBe(40);
  });

  it('a crash in the middle of updating feeds is finished by the redelivered event', async () => {
    const clean = world();
    const event = () => ({ topics: ['Election', 'Economy', 'Health'], title: 'T' });
    await clean.ingester.apply(clean.upload('a.md', event()));

    // Same story, but the store fails after two entry writes, as if the function died.
    const crashing = w.store;
    const putEntry = crashing.putEntry.bind(crashing);
    let writes = 0;
    crashing.putEntry = async (...args) => {
      if (++writes === 3) throw new Error('connection reset');
      return putEntry(...args);
    };
    const e = w.upload('a.md', event());
    await expect(w.ingester.apply(e)).rejects.toThrow('connection reset');
    expect(await w.store.getFile('a.md')).toBeUndefined(); // not committed: the event will come again
    crashing.putEntry = putEntry;
    expect(await w.ingester.apply(e)).toBe('unchanged');
    for (const slug of [ALL, 'election', 'economy', 'health']) {
      expect(await w.feed(slug)).toEqual(await clean.feed(slug));
    }
    expect([...w.store.articles.values()][0]?.pending).toBeUndefined();
  });
});

describe('Ingester: bad input gets a clear error and nothing is lost', () => {
  it.each<[string, string, RegExp]>([
    ['invalid YAML', '---\ntitle: [oops\n---\n', /not valid YAML/],
    ['no front matter', 'plain text', /no front matter/],
    ['a missing title', articleFile().replace(/^title: .*$/m, ''), /title is missing/],
    [
      'an invalid link',
      articleFile({ webUrl: 'ftp://example.com/x' }),
      /webUrl "ftp:\/\/example.com\/x" is not an absolute/,
    ],
    ['an empty file', '', /the file is empty/],
  ])('%s: one error line naming the key, a listed rejection, no article', async (_n, content, reason) => {
    expect(await w.ingester.apply(w.upload('news/bad file.md', content))).toBe('rejected');
    const [line, ...more] = w.log.errors();
    expect(more).toEqual([]);
    expect(line?.message).toMatch(/^rejected news\/bad file\.md: /);
    expect(line?.extra).toMatchObject({ key: 'news/bad file.md', reason: expect.stringMatching(reason) });
    expect(await w.store.listRejections()).toEqual([
      { key: 'news/bad file.md', reason: expect.stringMatching(reason), at: expect.any(String) },
    ]);
    expect(w.store.articles.size).toBe(0);
    expect(w.objects.objects.has('news/bad file.md')).toBe(true); // never deleted or changed
  });

  it('refuses an object over the size limit from the event, before downloading it', async () => {
    const small = world({ maxObjectBytes: 100 });
    const event = small.upload('big.md', { title: 'x'.repeat(200) });
    small.objects.get = async () => {
      throw new Error('must not download');
    };
    expect(await small.ingester.apply(event)).toBe('rejected');
    expect((await small.store.listRejections())[0]?.reason).toMatch(/the file is 1 KB, over the 1 KB limit/);
  });

  it('refuses an article too large for a table item', async () => {
    // 100,000 "<" fit the body limit, but as HTML each becomes "&lt;": 400 KB.
    const content = articleFile({ body: '<'.repeat(100_000) });
    expect(await w.ingester.apply(w.upload('huge.md', content))).toBe('rejected');
    expect((await w.store.listRejections())[0]?.reason).toMatch(
      /^the article takes 39\d KB as a table item once rendered; at most 384 KB can be stored: shorten the body/,
    );
  });

  it('a broken edit keeps the last good version in the feeds; a valid re-upload clears the rejection', async () => {
    await w.ingester.apply(w.upload('a.md', { title: 'Good' }));
    await w.ingester.apply(w.upload('a.md', '---\ntitle: [broken\n---\n'));
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['Good']);
    expect((await w.store.listRejections()).map((r) => r.key)).toEqual(['a.md']);
    await w.ingester.apply(w.upload('a.md', { title: 'Fixed' }));
    expect(await w.store.listRejections()).toEqual([]);
    expect((await w.feed(ALL)).map((e) => e.title)).toEqual(['Fixed']);
  });

  it('one bad file never blocks the others', async () => {
    const outcomes = await Promise.all([
      w.ingester.apply(w.upload('ok1.md', { webUrl: 'https://example.com/1' })),
      w.ingester.apply(w.upload('bad.md', '---\n: : :\n---')),
      w.ingester.apply(w.upload('ok2.md', { webUrl: 'https://example.com/2' })),
    ]);
    expect(outcomes).toEqual(['ingested', 'rejected', 'ingested']);
    expect(await w.count(ALL)).toBe(2);
  });

  it('logs a warning naming the key for optional fields it drops', async () => {
    await w.ingester.apply(w.upload('warn.md', { extra: 'heat: hot' }));
    expect(w.log.lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        message: 'warn.md: heat: ignored, not a number',
        extra: expect.objectContaining({ key: 'warn.md' }),
      }),
    ]);
  });
});
