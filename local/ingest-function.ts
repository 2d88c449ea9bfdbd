/**
 * The ingest function, run locally as Lambda runs it: in an environment of its own (a worker thread, see
 * ingest-worker.ts) with the environment variables it is configured with, invoked with SQS batches. Apart
 * from the main thread, which serves S3, the feeds and the queue, it gets the second core: the handler's
 * parsing and its many DynamoDB requests no longer wait behind the uploads.
 *
 * An invocation whose environment dies (an uncaught error, out of memory) fails like a crashed Lambda
 * invocation: the batch is retried by the queue, in a new environment.
 */
import { Worker } from 'node:worker_threads';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

interface Pending {
  worker: Worker;
  resolve: (value: SQSBatchResponse) => void;
  reject: (error: Error) => void;
}

type Reply =
  | { ready: true }
  | { id: number; result: SQSBatchResponse }
  | { id: number; error: { name: string; message: string; stack?: string } };

export class IngestFunction {
  private worker: Worker | undefined;
  private started: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /** `env`: the function's environment variables (those the handler reads at module load). */
  constructor(private readonly env: Record<string, string>) {}

  /** Loads the handler (the cold start) ahead of the first invocation; rejects if it cannot load. */
  start(): Promise<void> {
    return this.environment().then(() => undefined);
  }

  readonly invoke = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const worker = await this.environment();
    const id = this.nextId++;
    return new Promise<SQSBatchResponse>((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, event });
    });
  };

  /** Ends the environment; invocations still in flight fail (the queue has drained before this). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.started = undefined;
    if (worker) {
      this.failAll(worker, new Error('the ingest function was stopped'));
      await worker.terminate();
    }
  }

  private environment(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error('the ingest function was stopped'));
    this.started ??= new Promise<Worker>((resolve, reject) => {
      // A plain-JavaScript entry that loads TypeScript support in the thread, wherever the stack was
      // started from (npm start, tests, the bench).
      const worker = new Worker(new URL('./ingest-worker.mjs', import.meta.url), {
        workerData: { env: this.env },
        execArgv: [],
      });
      worker.on('message', (reply: Reply) => {
        if ('ready' in reply) {
          this.worker = worker;
          resolve(worker);
          return;
        }
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if ('result' in reply) waiting.resolve(reply.result);
        else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
      });
      const died = (error: Error) => {
        // The next invocation starts a new environment.
        if (this.worker === worker || this.worker === undefined) {
          this.worker = undefined;
          this.started = undefined;
        }
        reject(error);
        this.failAll(worker, error);
      };
      worker.on('error', (error) => died(error));
      worker.on('exit', (code) => {
        if (!this.closed) died(new Error(`the ingest function's environment exited (code ${code})`));
      });
    });
    return this.started;
  }

  private failAll(worker: Worker, error: Error): void {
    for (const [id, waiting] of this.pending) {
      if (waiting.worker !== worker) continue;
      this.pending.delete(id);
      waiting.reject(error);
    }
  }
}
