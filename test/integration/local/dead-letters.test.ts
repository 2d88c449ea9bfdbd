/** The local dead-letter list: kept in the data directory across restarts, taken out for a redrive. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterList, deadLetterRoutes } from '../../../local/dead-letters.js';
import type { DeadLetter } from '../../../local/event-queue.js';
import { notificationRecord } from '../../../local/s3-notifications.js';

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

  it('serves the list, refuses other methods with a reason, redrives by key, and leaves other paths alone', async () => {
    const list = await DeadLetterList.open(dir);
    await list.add(letter('a.md'));
    await list.add(letter('b.md'));
    const redriven: string[] = [];
    const route = deadLetterRoutes(list, (letters) => redriven.push(...letters.map((l) => l.key)));
    const server = createServer((req, res) => {
      void route(req.method ?? 'GET', req.url ?? '/').then((a) =>
        a ? res.writeHead(a.status, a.headers).end(a.body) : res.writeHead(404).end('elsewhere'),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    // Raw request targets (fetch would normalise them).
    const send = (method: string, target: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', method, path: target }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const listed = await send('GET', '/_dead-letters');
      expect(listed.status).toBe(200);
      expect((JSON.parse(listed.body) as { key: string; lastError: string }[]).map((l) => l.key)).toEqual([
        'a.md',
        'b.md',
      ]);
      expect((await send('DELETE', '/_dead-letters')).status).toBe(405);
      expect((await send('GET', '/_dead-letters/redrive')).body).toContain('POST');
      const one = await send('POST', '/_dead-letters/redrive?key=b.md');
      expect(JSON.parse(one.body)).toEqual({ redriven: ['b.md'] });
      expect(redriven).toEqual(['b.md']);
      expect(list.list().map((l) => l.key)).toEqual(['a.md']);
      expect((await send('GET', 'http://[')).body).toBe('elsewhere');
      expect((await send('GET', '/topics/x')).body).toBe('elsewhere');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
