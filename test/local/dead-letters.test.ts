/** The local dead-letter list: kept in the data directory across restarts, taken out for a redrive. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterList } from '../../local/dead-letters.js';
import type { DeadLetter } from '../../local/event-queue.js';
import { notificationRecord } from '../../local/s3-notifications.js';

const letter = (key: string): DeadLetter => ({
  messageId: `m-${key}`,
  key,
  record: notificationRecord({ eventName: 'ObjectCreated:Put', bucket: 'b', key, size: 1, eTag: 'e' }, '1'),
  receiveCount: 5,
  lastError: 'Task timed out after 30.00 seconds',
  sentAt: '2026-12-07T10:00:00.000Z',
  deadAt: '2026-12-07T10:12:00.000Z',
});

describe('DeadLetterList', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fb-dlq-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps its letters across a restart, and gives back those taken for a redrive', async () => {
    const list = await DeadLetterList.open(dir);
    const first = letter('a.md');
    await Promise.all([list.add(first), list.add(letter('b.md')), list.add(letter('c.md'))]);
    const again = await DeadLetterList.open(dir);
    expect(again.list().map((l) => l.key)).toEqual(['a.md', 'b.md', 'c.md']);
    expect(again.list()[0]).toEqual(first);

    expect((await again.take(['b.md'])).map((l) => l.key)).toEqual(['b.md']);
    expect((await DeadLetterList.open(dir)).list().map((l) => l.key)).toEqual(['a.md', 'c.md']);
    expect((await again.take()).map((l) => l.key)).toEqual(['a.md', 'c.md']);
    expect((await DeadLetterList.open(dir)).list()).toEqual([]);
  });

  it('starts empty when the data directory has no list, or one it cannot read', async () => {
    expect((await DeadLetterList.open(dir)).list()).toEqual([]);
    await writeFile(path.join(dir, 'dead-letters.json'), '{ not json');
    expect((await DeadLetterList.open(dir)).list()).toEqual([]);
  });
});
