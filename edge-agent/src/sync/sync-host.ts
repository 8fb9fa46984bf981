import { once } from "node:events";
import * as Comlink from "comlink";
import type { AgentConfig } from "../config/config.ts";
import type { Logger } from "../logging/logger.ts";
import { nodeEndpoint } from "../threads/node-endpoint.ts";
import { startTsWorker } from "../threads/ts-worker.ts";
import type { SyncStatus } from "./sync-status.ts";
import type { SyncWorkerApi, SyncWorkerData } from "./sync-worker.ts";

/** The agent's handle on the sync worker thread. */
export interface SyncHandle {
  /** Tell the engine a new event is in the outbox (fire and forget; coalesced). */
  wake(): void;
  status(): Promise<SyncStatus>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  syncNow(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the sync engine in a worker thread on the agent's outbox database. */
export function startSync(config: AgentConfig, logger: Logger): SyncHandle {
  const data: SyncWorkerData = {
    dataDir: config.dataDir,
    storeId: config.storeId,
    registerId: config.registerId,
    regions: config.regions,
    token: config.storeToken,
    settings: config.sync,
    logLevel: config.logLevel,
    ...(config.logFile ? { logFile: config.logFile } : {}),
  };
  const worker = startTsWorker(new URL("./sync-worker.ts", import.meta.url), { workerData: data });
  const exited = once(worker, "exit");
  worker.on("error", (error) => logger.error({ err: error }, "sync worker crashed; events stay in the outbox until restart"));
  const api = Comlink.wrap<SyncWorkerApi>(nodeEndpoint(worker));
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
    status: () => api.status(),
    pause: () => api.pause(),
    resume: () => api.resume(),
    syncNow: () => api.syncNow(),
    async close() {
      if (closed) return;
      closed = true;
      await api.stop();
      api[Comlink.releaseProxy]();
      await worker.terminate();
      await exited;
    },
  };
}
