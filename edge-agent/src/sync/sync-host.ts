import { once } from "node:events";
import { type SyncEngineStopped, type SyncStatus, SyncStatusSchema } from "@tenderline/shared";
import { siblingModule, startModuleWorker } from "@tenderline/shared/threads";
import * as Comlink from "comlink";
import type { AgentConfig } from "../config/config.ts";
import type { Logger } from "../logging/logger.ts";
import { nodeEndpoint } from "../threads/node-endpoint.ts";
import type { SyncWorkerApi, SyncWorkerData } from "./sync-worker.ts";

/** The agent's handle on the sync worker thread. */
export interface SyncHandle {
  /** Tell the engine a new event is in the outbox (fire and forget; coalesced). */
  wake(): void;
  /** The engine's status, checked against SyncStatusSchema as it comes off the worker; why not, when the engine does not answer. */
  status(): Promise<SyncStatus | SyncEngineStopped>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  syncNow(): Promise<void>;
  /**
   * Hands the engine a new credential (the register's `storeToken`): its next request carries it, a
   * batch in flight finishes with the old one, and a pause because every region refused the old one
   * ends (a manager's pause stays). Resolves once the engine has it.
   */
  setCredential(token: string): Promise<void>;
  /** The engine's current choice of regions, best first, without those it knows are down (empty: none usable). */
  regionChoice(): Promise<Array<{ name: string; url: string }>>;
  close(): Promise<void>;
}

/** Starts the sync engine in a worker thread on the agent's outbox database. */
export function startSync(config: AgentConfig, logger: Logger, options: { checkpointEveryMs?: number } = {}): SyncHandle {
  const data: SyncWorkerData = {
    dataDir: config.dataDir,
    storeId: config.storeId,
    registerId: config.registerId,
    regions: config.regions,
    token: config.storeToken,
    settings: config.sync,
    logLevel: config.logLevel,
    checkpointEveryMs: options.checkpointEveryMs ?? 0,
    ...(config.logFile ? { logFile: config.logFile } : {}),
  };
  const worker = startModuleWorker(siblingModule("sync-worker", import.meta.url), { workerData: data });
  let failure: Error | undefined;
  // Calls in flight, failed at once if the worker dies (a comlink call to a dead worker never settles).
  const inFlight = new Set<(error: Error) => void>();
  const fail = (error: Error) => {
    failure ??= error;
    for (const reject of inFlight) reject(failure);
    inFlight.clear();
  };
  const exited = once(worker, "exit").then(() => fail(new Error("the sync worker stopped")));
  worker.on("error", (error) => {
    logger.error({ err: error }, "sync worker crashed; events stay in the outbox until the agent restarts");
    fail(error);
  });
  const remote = Comlink.wrap<SyncWorkerApi>(nodeEndpoint(worker));
  const call = <T>(fn: (api: typeof remote) => Promise<T>): Promise<T> => {
    if (failure) return Promise.reject(failure);
    return new Promise<T>((resolve, reject) => {
      inFlight.add(reject);
      fn(remote).then(
        (value) => {
          inFlight.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          inFlight.delete(reject);
          reject(error);
        },
      );
    });
  };
  const api = {
    wake: () => call((r) => r.wake()),
    status: () => call((r) => r.status()),
    pause: () => call((r) => r.pause()),
    resume: () => call((r) => r.resume()),
    syncNow: () => call((r) => r.syncNow()),
    setCredential: (token: string) => call((r) => r.setCredential(token)),
    regionChoice: () => call((r) => r.regionChoice()),
  };
  let waking = false;
  let again = false;
  const wake = (): void => {
    // One wake in flight at a time: a burst of sales becomes one or two messages.
    if (waking) {
      again = true;
      return;
    }
    waking = true;
    api.wake().then(
      () => {
        waking = false;
        if (again) {
          again = false;
          wake();
        }
      },
      (error: unknown) => {
        waking = false;
        logger.warn({ err: error }, "could not wake the sync worker");
      },
    );
  };
  let closed = false;
  return {
    wake,
    status: () =>
      api.status().then(
        // The one place the status crosses the thread boundary: parsed once, typed from here on.
        (raw): SyncStatus => SyncStatusSchema.parse(raw),
        (error: unknown): SyncEngineStopped => ({
          state: "engine stopped",
          error: error instanceof Error ? error.message : String(error),
        }),
      ),
    pause: () => api.pause(),
    resume: () => api.resume(),
    syncNow: () => api.syncNow(),
    setCredential: (token) => api.setCredential(token),
    regionChoice: () => api.regionChoice(),
    async close() {
      if (closed) return;
      closed = true;
      if (!failure) await call((r) => r.stop());
      remote[Comlink.releaseProxy]();
      await worker.terminate();
      await exited;
    },
  };
}
