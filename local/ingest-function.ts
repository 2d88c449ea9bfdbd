/**
 * The ingest function, run locally as Lambda runs it: in environments of its own (worker threads, see
 * ingest-worker.ts) with the environment variables it is configured with, invoked with SQS batches. Apart
 * from the main thread, which serves S3, the feeds and the queue, they get the other cores: the handler's
 * parsing and its many DynamoDB requests no longer wait behind the uploads. Like Lambda's concurrent
 * executions, several environments take batches side by side (each batch goes to the least busy one).
 *
 * An invocation whose environment dies (an uncaught error, out of memory) fails like a crashed Lambda
 * invocation: the batch is retried by the queue, in a new environment.
 */
import { Worker } from 'node:worker_threads';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

interface Pending {
  resolve: (value: SQSBatchResponse) => void;
  reject: (error: Error) => void;
}

type Reply =
  | { ready: true }
  | { id: number; result: SQSBatchResponse }
  | { id: number; error: { name: string; message: string; stack?: string } };

/** One execution environment: a worker thread with the handler loaded. */
class Environment {
  readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stopping = false;
  readonly ready: Promise<void>;
  /** Set when the thread ended; the pool then replaces it. */
  dead = false;
  private readonly worker: Worker;

  constructor(env: Record<string, string>) {
    // A plain-JavaScript entry that loads TypeScript support in the thread, wherever the stack was started
    // from (npm start, tests, the bench).
    this.worker = new Worker(new URL('./ingest-worker.mjs', import.meta.url), {
      workerData: { env },
      execArgv: [],
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (reply: Reply) => {
        if ('ready' in reply) return resolve();
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if ('result' in reply) waiting.resolve(reply.result);
        else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
      });
      const died = (error: Error) => {
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
  }

  async invoke(event: SQSEvent): Promise<SQSBatchResponse> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<SQSBatchResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, event });
    });
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
  private closed = false;

  /**
   * `env`: the function's environment variables (those the handler reads at module load);
   * `concurrency`: how many environments take batches at once.
   */
  constructor(
    private readonly env: Record<string, string>,
    concurrency = 1,
  ) {
    this.environments = new Array(Math.max(1, concurrency)).fill(undefined);
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
    return this.environment(best).invoke(event);
  };

  /** Ends the environments; invocations still in flight fail (the queue has drained before this). */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.environments.filter((e): e is Environment => e !== undefined);
    this.environments.fill(undefined);
    await Promise.all(running.map((e) => e.stop()));
  }

  private load(i: number): number {
    const e = this.environments[i];
    return e && !e.dead ? e.pending.size : 0;
  }

  private environment(i: number): Environment {
    let e = this.environments[i];
    if (!e || e.dead) {
      e = new Environment(this.env);
      this.environments[i] = e;
    }
    return e;
  }
}
