/**
 * The ingest function, run locally as Lambda runs it: in environments of its own (worker threads, see
 * ingest-worker.ts), each making the handler from the settings the function is configured with (named as its
 * environment variables in AWS; handed to the thread, never written into any process's environment), invoked
 * with SQS batches. Apart
 * from the main thread, which serves S3, the feeds and the queue, they get the other cores: the handler's
 * parsing and its many DynamoDB requests no longer wait behind the uploads. Like Lambda's concurrent
 * executions, several environments take batches side by side (each batch goes to the least busy one).
 *
 * An invocation whose environment dies (an uncaught error, or a heap grown past the function's memory) fails
 * like a crashed Lambda invocation: the batch is retried by the queue, in a new environment.
 *
 * The time limit is Lambda's: the handler sees it through `context.getRemainingTimeInMillis()`, and an
 * invocation still running at its timeout fails with Lambda's "Task timed out" (the whole batch returns to the
 * queue). Its environment takes no more invocations and is ended (the handler stopped where it was) as soon
 * as the others it is running have settled, each within its own limit; a fresh one takes its place.
 */
import { Worker } from 'node:worker_threads';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Env } from '../shared/config.js';
import { FUNCTION_MEMORY_MB, INGEST_TIMEOUT_S } from '../shared/limits.js';
import type { ChangeMessage } from '../shared/websub.js';
import { functionResourceLimits, functionThreadArgv } from './function-env.js';

/** Lambda's error for an invocation stopped at its timeout. */
export class InvocationTimeout extends Error {
  override readonly name = 'Sandbox.Timedout';
  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** Lambda's error for an invocation whose environment outgrew the function's memory (it is killed). */
export class RuntimeExitError extends Error {
  override readonly name = 'Runtime.ExitError';
  constructor(readonly memoryMb: number) {
    super(
      `Runtime exited with error: signal: killed (the environment outgrew the function's ${memoryMb} MB)`,
    );
  }
}

interface Pending {
  resolve: (value: SQSBatchResponse) => void;
  reject: (error: Error) => void;
}

type Reply =
  | { ready: true }
  | { changed: ChangeMessage }
  | { id: number; result: SQSBatchResponse }
  | { id: number; error: { name: string; message: string; stack?: string } };

/** One execution environment: a worker thread with the handler loaded. */
class Environment {
  readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopping = false;
  readonly ready: Promise<void>;
  /** Set when the thread ended, or an invocation timed out in it; the pool then replaces it. */
  dead = false;
  private readonly worker: Worker;
  /** Resolves when the thread has exited. */
  readonly exited: Promise<void>;

  constructor(
    env: Env,
    memoryMb: number,
    handlerModule?: string,
    onChanged?: (message: ChangeMessage) => void,
  ) {
    // A plain-JavaScript entry that loads TypeScript support in the thread, wherever the stack was started
    // from (npm start, tests, the bench).
    this.worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), {
      workerData: { entry: './ingest-worker.ts', env, handlerModule, publish: onChanged !== undefined },
      execArgv: functionThreadArgv(),
      resourceLimits: functionResourceLimits(memoryMb),
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (reply: Reply) => {
        if ('ready' in reply) return resolve();
        if ('changed' in reply) return onChanged?.(reply.changed);
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if ('result' in reply) waiting.resolve(reply.result);
        else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
      });
      const died = (thrown: Error & { code?: string }) => {
        const error = thrown.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new RuntimeExitError(memoryMb) : thrown;
        this.dead = true;
        reject(error);
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      };
      this.worker.on('error', died);
      this.worker.on('exit', (code) => {
        if (!this.stopping) died(new Error(`the ingest function's environment exited (code ${code})`));
      });
    });
    // Failures surface through invoke() and start(); an environment that dies unused is simply replaced.
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  async invoke(event: SQSEvent, timeoutMs: number): Promise<SQSBatchResponse> {
    await this.ready;
    const id = this.nextId++;
    const deadline = Date.now() + timeoutMs;
    return new Promise<SQSBatchResponse>((resolve, reject) => {
      const timer = setTimeout(() => this.timedOut(id, timeoutMs), timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        if (this.dead && this.pending.size === 0) void this.stop();
      };
      this.pending.set(id, {
        resolve: (v) => {
          settle();
          resolve(v);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
      });
      this.worker.postMessage({ id, event, deadline });
    });
  }

  /** Lambda stops an invocation at its timeout: this one fails now, and the thread ends once the others settle. */
  private timedOut(id: number, timeoutMs: number): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    this.dead = true;
    waiting.reject(new InvocationTimeout(timeoutMs));
    if (this.pending.size === 0) void this.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const error = new Error('the ingest function was stopped');
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    await this.worker.terminate();
  }
}

export class IngestFunction {
  private readonly environments: (Environment | undefined)[];
  /** Every environment whose thread has not exited yet (those being retired too). */
  private readonly running = new Set<Environment>();
  private closed = false;
  /** Invocations stopped at their time limit so far. */
  timeouts = 0;
  /** The time limit of the next invocations (ms). */
  timeoutMs: number;

  /**
   * `env`: the function's settings, named as its environment variables (TABLE_NAME, ...; DYNAMODB_ENDPOINT,
   * S3_ENDPOINT and AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for the local servers);
   * `concurrency`: how many environments take batches at once; `timeoutMs`: the function's timeout
   * (Lambda's, from shared/limits.ts, unless a test or check asks for another); `handlerModule`: a file URL
   * of another module exporting `handler` (tests of the runtime itself), instead of the ingest handler;
   * `onChanged`: where the feeds each batch changed go (the stack tells its feeds function and its publish
   * queue; in AWS the function sends them to SQS), none when absent; `memoryMb`: the function's memory
   * (shared/limits.ts unless a test asks for another), which bounds each environment's heap.
   */
  constructor(
    private readonly env: Env,
    concurrency = 1,
    private readonly options: {
      timeoutMs?: number;
      handlerModule?: string;
      onChanged?: (message: ChangeMessage) => void;
      memoryMb?: number;
    } = {},
  ) {
    this.environments = new Array(Math.max(1, concurrency)).fill(undefined);
    this.timeoutMs = options.timeoutMs ?? INGEST_TIMEOUT_S * 1000;
  }

  /** Threads running (a retired one counts until it has exited). */
  threads(): number {
    return this.running.size;
  }

  /** Loads the handler in every environment (the cold starts) ahead of the first batch; rejects if it cannot. */
  async start(): Promise<void> {
    await Promise.all(this.environments.map((_, i) => this.environment(i).ready));
  }

  readonly invoke = (event: SQSEvent): Promise<SQSBatchResponse> => {
    if (this.closed) return Promise.reject(new Error('the ingest function was stopped'));
    let best = 0;
    for (let i = 1; i < this.environments.length; i++) {
      if (this.load(i) < this.load(best)) best = i;
    }
    return this.environment(best)
      .invoke(event, this.timeoutMs)
      .catch((error: unknown) => {
        if (error instanceof InvocationTimeout) this.timeouts++;
        throw error;
      });
  };

  /** Ends the environments; invocations still in flight fail (the queue has drained before this). */
  async close(): Promise<void> {
    this.closed = true;
    this.environments.fill(undefined);
    await Promise.all([...this.running].map((e) => e.stop()));
  }

  private load(i: number): number {
    const e = this.environments[i];
    return e && !e.dead ? e.pending.size : 0;
  }

  private environment(i: number): Environment {
    let e = this.environments[i];
    if (!e || e.dead) {
      const { memoryMb = FUNCTION_MEMORY_MB, handlerModule, onChanged } = this.options;
      const made = new Environment(this.env, memoryMb, handlerModule, onChanged);
      this.running.add(made);
      void made.exited.then(() => this.running.delete(made));
      this.environments[i] = made;
      e = made;
    }
    return e;
  }
}
