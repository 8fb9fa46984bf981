/**
 * The sync worker thread: its own connection to the outbox database and the engine, driven from
 * the agent through comlink. Off the request path: a slow region never delays a sale.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { SyncStatus } from "@tenderline/shared";
import * as Comlink from "comlink";
import type { SyncSettings } from "../config/config.ts";
import { createLogger } from "../logging/logger.ts";
import { Outbox } from "../outbox/outbox.ts";
import { openDatabase } from "../storage/database.ts";
import { nodeEndpoint } from "../threads/node-endpoint.ts";
import type { RegionEndpoint } from "./region-client.ts";
import { SyncEngine } from "./sync-engine.ts";

export interface SyncWorkerData {
  dataDir: string;
  storeId: string;
  registerId: string;
  regions: RegionEndpoint[];
  token: string;
  settings: SyncSettings;
  logLevel: string;
  logFile?: string;
  /** When > 0 this thread also checkpoints the WAL (PASSIVE) this often, for the agent. */
  checkpointEveryMs: number;
}

export interface SyncWorkerApi {
  wake(): void;
  status(): SyncStatus;
  pause(): void;
  resume(): void;
  syncNow(): void;
  /** A new credential for the regions, from the next request on (SyncEngine.setCredential). */
  setCredential(token: string): void;
  /** The engine's current choice of regions, best first, without those known down (SyncEngine.regionChoice). */
  regionChoice(): Array<{ name: string; url: string }>;
  stop(): Promise<void>;
}

const data = workerData as SyncWorkerData;
const logger = createLogger({ level: data.logLevel, ...(data.logFile ? { file: data.logFile } : {}) }).child({
  component: "sync",
});
// A generous busy timeout: the register's writes come first, this connection can wait.
const db = openDatabase(data.dataDir, { busyTimeoutMs: 30_000 });
// Checkpoints are timed (below, or by the agent's checkpointer), never triggered by this connection's commits.
db.pragma("wal_autocheckpoint = 0");
const checkpointTimer =
  data.checkpointEveryMs > 0
    ? setInterval(() => {
        try {
          db.pragma("wal_checkpoint(PASSIVE)");
        } catch (error) {
          // Busy or failing: retried next tick; the writer's fallback autocheckpoint bounds the WAL meanwhile.
          logger.warn({ err: error }, "background checkpoint failed; will retry");
        }
      }, data.checkpointEveryMs)
    : undefined;
const outbox = new Outbox(db, data.storeId, data.registerId);
const engine = new SyncEngine({
  outbox,
  storeId: data.storeId,
  registerId: data.registerId,
  regions: data.regions,
  token: data.token,
  settings: data.settings,
  logger,
});

const api: SyncWorkerApi = {
  wake: () => engine.wake("sale"),
  status: () => engine.status(),
  pause: () => engine.pause(),
  resume: () => engine.resume(),
  syncNow: () => engine.syncNow(),
  setCredential: (token) => engine.setCredential(token),
  regionChoice: () => engine.regionChoice(),
  async stop() {
    if (checkpointTimer) clearInterval(checkpointTimer);
    await engine.stop();
    db.close();
    logger.flush();
  },
};

Comlink.expose(api, nodeEndpoint(parentPort as NonNullable<typeof parentPort>));
engine.start();
