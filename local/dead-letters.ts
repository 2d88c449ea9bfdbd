/**
 * The local dead-letter queue: messages that failed every receive the redrive policy allows, kept in the data
 * directory (dead-letters.json) across restarts until they are redriven, as SQS keeps them in the
 * dead-letter queue (for 14 days there). Shown at /_dead-letters and on the console by the local stack.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeadLetter } from './event-queue.js';

export class DeadLetterList {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private letters: DeadLetter[],
  ) {}

  /** The list of a data directory (empty when it has none yet, or its file cannot be read as one). */
  static async open(dataDir: string): Promise<DeadLetterList> {
    const file = path.join(dataDir, 'dead-letters.json');
    let letters: DeadLetter[] = [];
    try {
      const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (Array.isArray(parsed)) letters = parsed as DeadLetter[];
    } catch {
      // No list yet.
    }
    return new DeadLetterList(file, letters);
  }

  list(): readonly DeadLetter[] {
    return this.letters;
  }

  add(letter: DeadLetter): Promise<void> {
    this.letters = [...this.letters, letter];
    return this.persist();
  }

  /** Removes and returns the letters to redrive: all of them, or those of the given bucket keys. */
  async take(keys?: readonly string[]): Promise<DeadLetter[]> {
    const wanted = keys ? new Set(keys) : undefined;
    const taken = this.letters.filter((l) => !wanted || wanted.has(l.key));
    this.letters = this.letters.filter((l) => wanted && !wanted.has(l.key));
    await this.persist();
    return taken;
  }

  /** One write at a time, each a temporary file renamed over the list (never a half-written list). */
  private persist(): Promise<void> {
    const body = `${JSON.stringify(this.letters, null, 2)}\n`;
    this.writing = this.writing.then(async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, this.file);
    });
    return this.writing;
  }
}

/** A dead letter as /_dead-letters shows it: the bucket key first, then why and when. */
const shown = (l: DeadLetter) => ({
  key: l.key,
  lastError: l.lastError,
  receiveCount: l.receiveCount,
  sentAt: l.sentAt,
  deadAt: l.deadAt,
  messageId: l.messageId,
});

/** An answer of the stack's own routes as plain data: it is made in the main thread, which keeps the list and
 * the queue, and written by the HTTP front in its own thread (feeds-worker.ts). */
export interface LocalAnswer {
  status: number;
  headers: Record<string, string>;
  /** Left out of the response to a HEAD request (its Content-Length stays). */
  body: string;
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): LocalAnswer {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  return {
    status,
    headers: {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  };
}

/**
 * The local stack's dead-letter pages: GET /_dead-letters lists them; POST /_dead-letters/redrive puts them all
 * back on the queue (or only those named, `?key=K`, repeatable), as an SQS redrive does. Undefined for other
 * request targets.
 */
export function deadLetterRoutes(
  list: DeadLetterList,
  redrive: (letters: DeadLetter[]) => void,
): (method: string, target: string) => Promise<LocalAnswer | undefined> {
  return async (method, target) => {
    let url: URL;
    try {
      url = new URL(target, 'http://local');
    } catch {
      return undefined; // not a path of ours; the feeds answer it
    }
    if (url.pathname === '/_dead-letters') {
      if (method !== 'GET' && method !== 'HEAD') {
        const error = `${method} is not supported here: read the list with GET`;
        return json(405, { error }, { allow: 'GET, HEAD' });
      }
      return json(200, list.list().map(shown));
    }
    if (url.pathname === '/_dead-letters/redrive') {
      if (method !== 'POST') {
        const error = 'redrive with POST (curl -X POST …/_dead-letters/redrive)';
        return json(405, { error }, { allow: 'POST' });
      }
      const keys = url.searchParams.getAll('key');
      try {
        const letters = await list.take(keys.length ? keys : undefined);
        redrive(letters);
        return json(200, { redriven: letters.map((l) => l.key) });
      } catch (error) {
        return json(500, { error: String(error) });
      }
    }
    return undefined;
  };
}
