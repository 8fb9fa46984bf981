import type { SyncEngineStopped, SyncStatus } from "@tenderline/shared";
import type { AgentConfig } from "../config/config.ts";
import type { Logger } from "../logging/logger.ts";
import { Outbox } from "../outbox/outbox.ts";
import type { Db } from "../storage/database.ts";
import { SyncEngine } from "./sync-engine.ts";
import type { SyncHandle } from "./sync-host.ts";

export class SyncEngineClosedError extends Error {
  constructor(what: string) {
    super(`the in-process sync engine is closed; ${what} was not done`);
    this.name = "SyncEngineClosedError";
  }
}

export interface InProcessSyncOptions {
  /**
   * The agent's own Outbox on `db`, shared rather than a second one prepared on the same connection
   * (a fleet hosts hundreds of registers: each Outbox holds two dozen prepared statements).
   */
  outbox?: Outbox;
}

/**
 * Runs the same SyncEngine as the sync worker (sync-worker.ts), but on the caller's thread and over
 * the agent's own database connection: no thread, no second connection, no comlink hop. For a
 * fleet of registers in one process (src/fleet), where a thread per register would not fit in
 * memory. The engine's writes are synchronous transactions on the connection the register records
 * on, so they never interleave with a sale's transaction (one thread), and nothing waits on a lock.
 */
export function startSyncInProcess(config: AgentConfig, logger: Logger, db: Db, options: InProcessSyncOptions = {}): SyncHandle {
  const outbox = options.outbox ?? new Outbox(db, config.storeId, config.registerId);
  if (outbox.db !== db) throw new Error("startSyncInProcess: the outbox given is on another database connection");
  const engine = new SyncEngine({
    outbox,
    storeId: config.storeId,
    registerId: config.registerId,
    regions: config.regions,
    token: config.storeToken,
    settings: config.sync,
    logger: logger.child({ component: "sync" }),
  });
  engine.start();
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Runs a control call on the engine, refused once closed (the worker handle rejects likewise once the worker is gone). */
  const control = async <T>(what: string, fn: () => T): Promise<T> => {
    if (closed) throw new SyncEngineClosedError(what);
    return fn();
  };
  return {
    wake() {
      if (!closed) engine.wake("sale");
    },
    async status(): Promise<SyncStatus | SyncEngineStopped> {
      if (closed) return { state: "engine stopped", error: "the sync engine was closed" };
      try {
        return engine.status();
      } catch (error) {
        // The worker handle reports a dead engine the same way: the queue endpoint still answers.
        logger.error({ err: error }, "could not read the sync engine's status");
        return { state: "engine stopped", error: error instanceof Error ? error.message : String(error) };
      }
    },
    pause: () => control("pause", () => engine.pause()),
    resume: () => control("resume", () => engine.resume()),
    syncNow: () => control("sync now", () => engine.syncNow()),
    setCredential: (token) => control("taking a new credential", () => engine.setCredential(token)),
    regionChoice: () => control("choosing a region", () => engine.regionChoice()),
    close() {
      closed = true;
      // The engine's loop ends after its current step (a batch in flight finishes and is applied),
      // so the caller may close the database once this resolves.
      closing ??= engine.stop();
      return closing;
    },
  };
}
