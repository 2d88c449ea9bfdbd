/**
 * The local stack's HTTP front on 127.0.0.1, seen from the main thread: the HTTP server and the feeds function
 * run in a worker thread of their own (feeds-worker.ts); the dead-letter routes, which need the list and the
 * queue kept here, are answered from here by message. It listens before the handlers are made, so that a port
 * in use is reported at once; until the feeds function's settings are given, feed requests get a 503.
 */
import { Worker } from 'node:worker_threads';
import type { Env } from '../shared/config.js';
import type { StatusConsole } from './console.js';
import type { LocalAnswer } from './dead-letters.js';
import type { FromFeedsWorker, ToFeedsWorker } from './feeds-worker.js';
import { functionThreadArgv } from './function-env.js';

export const HOST = '127.0.0.1';

export interface HttpFront {
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Makes the feeds function from its settings (named as its environment variables); it answers from now on. */
  serveFeeds(env: Env): void;
  /** The table changed (an ingest batch wrote): the feeds function rereads its metadata at the next request. */
  tableChanged(): void;
  close(): Promise<void>;
}

export async function startHttpFront(options: {
  port: number;
  /** The dead-letter routes: undefined when the request is not theirs. */
  deadLetters: (method: string, target: string) => Promise<LocalAnswer | undefined>;
  out: StatusConsole;
}): Promise<HttpFront> {
  const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), {
    workerData: { entry: './feeds-worker.ts', host: HOST, listenPort: options.port },
    execArgv: functionThreadArgv(),
  });
  const send = (message: ToFeedsWorker) => worker.postMessage(message);
  let closed: (() => void) | undefined;
  let closing = false;
  const port = await new Promise<number>((resolve, reject) => {
    worker.on('message', (message: FromFeedsWorker) => {
      if ('listening' in message) resolve(message.listening);
      else if ('failed' in message) reject(Object.assign(new Error(message.failed.message), message.failed));
      else if ('log' in message) options.out.log(message.log);
      else if ('closed' in message) closed?.();
      else {
        void options
          .deadLetters(message.method, message.target)
          .then((response) => send({ answer: message.ask, response: response ?? null }));
      }
    });
    // An error ends the thread: its exit says what stopped it, once.
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
      reject(error);
    });
    worker.once('exit', (code) => {
      const error = failure ?? new Error(`its thread exited (code ${code})`);
      reject(error);
      if (!closing)
        options.out.log(
          `error     the HTTP front stopped (${error.message}): feeds are not served until the stack restarts`,
        );
    });
  }).catch(async (error: unknown) => {
    closing = true;
    await worker.terminate();
    throw error;
  });
  return {
    port,
    base: `http://${HOST}:${port}`,
    serveFeeds: (env) => send({ serve: env }),
    tableChanged: () => send({ tableChanged: true }),
    // The server closes in its thread (busy connections finish their response, 2 s at most), then the thread ends.
    close: async () => {
      closing = true;
      const done = new Promise<void>((resolve) => {
        closed = resolve;
        worker.once('exit', () => resolve());
      });
      send({ close: true });
      await done;
      await worker.terminate();
    },
  };
}
