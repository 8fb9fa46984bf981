import { once } from "node:events";
import { siblingModule, startModuleWorker } from "@tenderline/shared/threads";
import type { Logger } from "../logging/logger.ts";
import type { Db } from "./database.ts";

/** WAL pages after which the writer checkpoints by itself, should the background checkpointer fall behind. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 8000;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Moves WAL checkpoints off the request path: the writer connection only checkpoints as a fallback
 * (a large WAL), and a worker thread checkpoints passively every `intervalMs`.
 */
/** The writer connection leaves checkpoints to a background thread, except as a fallback for a large WAL. */
export function useFallbackAutocheckpoint(db: Db): void {
  db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
}

export function startCheckpointer(db: Db, logger: Logger, intervalMs = 50): Checkpointer {
  useFallbackAutocheckpoint(db);
  const worker = startModuleWorker(siblingModule("checkpoint-worker", import.meta.url), {
    workerData: { file: db.name, intervalMs },
  });
  worker.on("message", (msg: { type: string; message?: string }) => {
    if (msg.type === "error") logger.warn({ error: msg.message }, "background checkpoint failed; will retry");
  });
  worker.on("error", (error) =>
    logger.error({ err: error }, "checkpoint worker crashed; the writer's fallback checkpoint takes over"),
  );
  let running = true;
  const exited = once(worker, "exit").then(() => {
    running = false;
  });
  worker.unref();
  return {
    async stop() {
      if (!running) return;
      worker.postMessage({ type: "stop" });
      await exited;
    },
  };
}
