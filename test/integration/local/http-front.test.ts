/**
 * The local stack's HTTP front (http-front.ts and its thread, feeds-worker.ts): it listens before the feeds
 * function exists (a 503 until then; a port in use refused at once, naming the port), answers the dead-letter
 * routes from the main thread, serves the real feeds function once given its settings, and frees its port
 * when closed.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusConsole } from '../../../local/console.js';
import type { LocalAnswer } from '../../../local/dead-letters.js';
import { localFunctionEnv } from '../../../local/function-env.js';
import { type HttpFront, startHttpFront } from '../../../local/http-front.js';
import { type LocalDynamo, startDynamo } from '../../../local/servers.js';
import { ensureTable } from '../../../shared/store/dynamodb.js';

/** A raw request (fetch would add its own headers and refuse HEAD bodies differently). */
function send(port: number, method: string, target: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path: target }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the HTTP front in its own thread', () => {
  const lines: string[] = [];
  const out = { log: (line: string) => lines.push(line) } as unknown as StatusConsole;
  const asked: string[] = [];
  const letters: LocalAnswer = {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '3' },
    body: '[]\n',
  };
  const deadLetters = async (method: string, target: string) => {
    asked.push(`${method} ${target}`);
    return target === '/_dead-letters' ? letters : undefined;
  };
  let dynamo: LocalDynamo;
  let front: HttpFront;

  beforeAll(async () => {
    dynamo = await startDynamo();
    await ensureTable(dynamo.client, 'front');
    front = await startHttpFront({ port: 0, deadLetters, out });
  });
  afterAll(async () => {
    await front?.close();
    await dynamo?.close();
  });

  it('answers 503 until the feeds function is made, and the dead-letter routes from the main thread', async () => {
    const early = await send(front.port, 'GET', '/rss.xml');
    expect(early.status).toBe(503);
    expect(early.body).toBe('Starting.\n');
    expect((await send(front.port, 'GET', '/_errors')).status).toBe(503);

    const list = await send(front.port, 'GET', '/_dead-letters');
    expect(list).toMatchObject({ status: 200, body: '[]\n' });
    const head = await send(front.port, 'HEAD', '/_dead-letters');
    expect(head.headers['content-length']).toBe('3');
    expect(head.body).toBe('');
    // Not one of theirs: the feeds function answers it (here still starting).
    expect((await send(front.port, 'GET', '/x/_dead-letters/y')).status).toBe(503);
    expect(asked).toEqual(['GET /_dead-letters', 'HEAD /_dead-letters', 'GET /x/_dead-letters/y']);
  });

  it('refuses a port in use at once, naming it', async () => {
    const refused = startHttpFront({ port: front.port, deadLetters, out });
    await expect(refused).rejects.toMatchObject({ code: 'EADDRINUSE', port: front.port });
  });

  it('serves the real feeds function once given its settings, and the rejections from the table', async () => {
    front.serveFeeds(
      localFunctionEnv({ TABLE_NAME: 'front', LOG_LEVEL: 'SILENT' }, { dynamo: dynamo.endpoint }),
    );
    let topics = await send(front.port, 'GET', '/topics.json');
    for (let i = 0; topics.status === 503 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      topics = await send(front.port, 'GET', '/topics.json');
    }
    expect(topics.status).toBe(200);
    expect(JSON.parse(topics.body)).toMatchObject({ all: { count: 0 }, topics: [] });
    const errors = await send(front.port, 'GET', '/_errors');
    expect(errors).toMatchObject({ status: 200, body: '[]\n' });
    expect(lines).toEqual([]);
  });

  it('frees its port when closed', async () => {
    const port = front.port;
    await front.close();
    front = await startHttpFront({ port, deadLetters, out });
    expect(front.port).toBe(port);
  });
});
