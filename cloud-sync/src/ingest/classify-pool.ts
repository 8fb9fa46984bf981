import type { Worker } from "node:worker_threads";
import { siblingModule, startModuleWorker } from "@tenderline/shared/threads";
import type { BatchRefusal, ParsedBatch } from "./parse-batch.ts";
import type { BatchWriter } from "./writer-scope.ts";

const WORKER = siblingModule("classify-worker", import.meta.url);

/**
 * Parses a batch body given as its bytes, for its writer (default a register); the parser may take
 * the buffer over (it is transferred to a worker).
 */
export type BatchParser = (body: ArrayBuffer, writer?: BatchWriter) => Promise<ParsedBatch | BatchRefusal>;

interface Pending {
  resolve: (value: ParsedBatch | BatchRefusal) => void;
  reject: (error: Error) => void;
}

/**
 * Parses and classifies batch bodies on worker threads, so the thread that talks to the database
 * (and, with PGlite, runs it) is free for the next batch meanwhile. Each request goes to the
 * worker with the fewest in flight. The body's bytes are moved to the worker, not copied, and
 * decoded there: the main thread neither decodes nor clones half a megabyte per batch.
 */
export class ClassifyPool {
  private readonly workers: Array<{ worker: Worker; inFlight: number }> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = startModuleWorker(WORKER);
      const slot = { worker, inFlight: 0 };
      worker.on("message", (msg: { id: number; result?: ParsedBatch | BatchRefusal; error?: string }) => {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        slot.inFlight--;
        if (msg.result) p?.resolve(msg.result);
        else p?.reject(new Error(`batch classification failed: ${msg.error}`));
      });
      worker.on("error", (error) => {
        // A worker that dies fails what it held; the region answers 500 and the register retries.
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          p.reject(error);
        }
      });
      worker.unref();
      this.workers.push(slot);
    }
  }

  readonly parse: BatchParser = (body, writer = "register") =>
    new Promise((resolve, reject) => {
      const slot = this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      slot.inFlight++;
      slot.worker.postMessage({ id, body, writer }, [body]);
    });

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
