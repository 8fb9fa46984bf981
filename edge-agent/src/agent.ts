import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type AgentSyncStatus, type QueueStatus, RegionClient } from "@tenderline/shared";
import type { Hono } from "hono";
import { createApp } from "./api/app.ts";
import { type AgentConfig, offlineStoredValueLimit } from "./config/config.ts";
import { IdempotencyStore } from "./idempotency/idempotency-store.ts";
import { Ledger } from "./ledger/ledger.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { ManagerAuthority } from "./managers/manager-authority.ts";
import { GroupCommit } from "./outbox/group-commit.ts";
import { Outbox } from "./outbox/outbox.ts";
import { QueueStatusReader } from "./outbox/queue-status.ts";
import { RegisterService } from "./register/register-service.ts";
import { type PruneResult, pruneExpired } from "./retention/retention.ts";
import { CloudReturns, type ReturnsRegion, type ReturnsRegionSource } from "./returns/cloud-returns.ts";
import { UnverifiedReturnsLedger } from "./returns/unverified-returns.ts";
import { UnverifiedReturnsBoard } from "./returns/unverified-view.ts";
import { OfflineCardRisk } from "./risk/offline-card-limits.ts";
import { OfflineStoredValueRisk } from "./risk/offline-stored-value-limits.ts";
import { createScreens } from "./screens/screens-app.tsx";
import { startCheckpointer, useFallbackAutocheckpoint } from "./storage/checkpointer.ts";
import { claimDataDir } from "./storage/data-dir.ts";
import { type DataDirLock, lockDataDir } from "./storage/data-dir-lock.ts";
import { type Db, openDatabase } from "./storage/database.ts";
import { WalFlusher } from "./storage/wal-flush.ts";
import { CloudStoredValue, type StoredValueRegion, type StoredValueRegionSource } from "./stored-value/cloud-stored-value.ts";
import { type SyncHandle, startSync } from "./sync/sync-host.ts";
import { startSyncInProcess } from "./sync/sync-in-process.ts";

const CHECKPOINT_EVERY_MS = 50;

export interface AgentOptions {
  logger?: Logger;
  clock?: () => number;
  /** The sync engine's status, merged into GET /api/v1/queue. */
  syncStatus?: () => Promise<AgentSyncStatus>;
  /** Start the sync worker (default: when sync is enabled and regions are configured). */
  startSync?: boolean;
  /**
   * Where returns of originals this register does not hold ask the cloud (default: the sync
   * engine's current choice of region, else the first configured, with the register's credential).
   */
  returnsRegion?: ReturnsRegionSource;
  /** Where gift card and store credit holds and inquiries go (default: the same choice of region as returns). */
  storedValueRegion?: StoredValueRegionSource;
  /**
   * Where the sync engine runs: "worker" (default) in a thread of its own on a second connection;
   * "in-process" on this thread over the agent's own connection (sync-in-process.ts), for a fleet of
   * registers in one process. In-process there is no checkpoint thread either: the writer
   * checkpoints by itself (SQLite's wal_autocheckpoint).
   */
  syncThread?: "worker" | "in-process";
  /** The SQLite page cache limit in KiB (openDatabase's cacheSizeKiB; default SQLite's 2,000). */
  dbCacheKiB?: number;
  /**
   * The port the agent is reached on when another server serves its app (a fleet's one server),
   * instead of `listen()`: the request guard then refuses a Host naming any other port, as it does
   * once `listen()` has bound.
   */
  servedOnPort?: () => number | undefined;
}

export interface Agent {
  config: AgentConfig;
  app: Hono;
  db: Db;
  outbox: Outbox;
  ledger: Ledger;
  service: RegisterService;
  queue: QueueStatusReader;
  /** What GET /api/v1/queue answers (the outbox's view and the sync engine's), without going through HTTP. */
  queueStatus(): Promise<QueueStatus>;
  risk: OfflineCardRisk;
  /** Offline gift card and store credit redemptions and their caps (exposure() for the manager screen). */
  storedValueRisk: OfflineStoredValueRisk;
  managers: ManagerAuthority;
  logger: Logger;
  prune(now?: number): PruneResult;
  /** Serves the API on config.host:config.port (0 picks a free port). */
  listen(): Promise<{ port: number; url: string }>;
  setSyncStatus(fn: () => Promise<AgentSyncStatus>): void;
  /** The sync engine's worker, when regions are configured and sync is enabled. */
  sync: SyncHandle | undefined;
  /**
   * Replaces the register's credential (`storeToken`) while the agent runs: the sync engine uses it
   * from its next request (SyncHandle.setCredential) and the screens' region reads from their next one.
   * `config.storeToken` keeps the one the agent started with.
   */
  setCredential(token: string): Promise<void>;
  close(): Promise<void>;
}

function bindIdentity(db: Db, config: AgentConfig): void {
  const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING");
  db.transaction(() => {
    put.run("store_id", config.storeId);
    put.run("register_id", config.registerId);
  })();
}

type ConfiguredRegion = AgentConfig["regions"][number];

/**
 * The regions a return or a redemption asks, in order: the sync engine's current choice (its
 * healthy region first), or, with no engine running, the first configured region.
 */
function regionChoice(config: AgentConfig, sync: () => SyncHandle | undefined, logger: Logger) {
  return async (): Promise<readonly ConfiguredRegion[]> => {
    if (config.regions.length === 0) return [];
    const engine = sync();
    if (!engine) return [config.regions[0] as ConfiguredRegion];
    return engine.regionChoice().then(
      (regions) => regions,
      (error: unknown) => {
        logger.warn(
          { err: error },
          "the sync engine did not say which region to use; returns and redemptions ask the first configured",
        );
        return config.regions;
      },
    );
  };
}

/** Clients kept per region (name and url); each reads the register's credential at each call, so a replaced one is used at once. */
function perRegion<T>(make: (r: ConfiguredRegion) => T): (r: ConfiguredRegion) => T {
  const made = new Map<string, T>();
  return (r) => {
    const key = `${r.name} ${r.url}`;
    let found = made.get(key);
    if (found === undefined) {
      found = make(r);
      made.set(key, found);
    }
    return found;
  };
}

function defaultReturnsRegion(
  config: AgentConfig,
  choice: () => Promise<readonly ConfiguredRegion[]>,
  credential: () => string,
): ReturnsRegionSource {
  const regionNamed = perRegion(
    (r): ReturnsRegion => ({
      name: r.name,
      client: new RegionClient(r.url, credential, { timeoutMs: config.returnLookupTimeoutMs }),
    }),
  );
  return async () => {
    const regions = await choice();
    return regions.length === 0 ? null : regions.map(regionNamed);
  };
}

function defaultStoredValueRegion(
  config: AgentConfig,
  choice: () => Promise<readonly ConfiguredRegion[]>,
  credential: () => string,
): StoredValueRegionSource {
  const regionNamed = perRegion(
    (r): StoredValueRegion => ({
      name: r.name,
      client: new RegionClient(r.url, credential, { timeoutMs: config.storedValueTimeoutMs }),
    }),
  );
  return async () => (await choice()).map(regionNamed);
}

/** Wires the agent core (no network needed): the outbox, ledger, limits and the HTTP app. */
export function createAgent(config: AgentConfig, options: AgentOptions = {}): Agent {
  const logger = options.logger ?? createLogger({ level: config.logLevel, ...(config.logFile ? { file: config.logFile } : {}) });
  // First of all: nothing below may touch a directory another agent is using.
  const lock = lockDataDir(config.dataDir);
  try {
    return wireAgent(config, options, logger, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

function wireAgent(config: AgentConfig, options: AgentOptions, logger: Logger, lock: DataDirLock): Agent {
  const claimed = claimDataDir(
    config.dataDir,
    { storeId: config.storeId, registerId: config.registerId },
    config.replaceUnsynced,
  );
  if (claimed.archivedTo)
    logger.warn({ archivedTo: claimed.archivedTo }, "data directory belonged to another register; its outbox was archived");
  const db = openDatabase(config.dataDir, options.dbCacheKiB === undefined ? {} : { cacheSizeKiB: options.dbCacheKiB });
  bindIdentity(db, config);
  const clock = options.clock ?? Date.now;
  const outbox = new Outbox(db, config.storeId, config.registerId, clock);
  const ledger = new Ledger(db);
  const risk = new OfflineCardRisk(db, config);
  let credential = config.storeToken;
  // Filled in below once the sync engine is started: returns ask the region it would send to.
  let sync: SyncHandle | undefined;
  const choice = regionChoice(config, () => sync, logger);
  const returnsRegion = options.returnsRegion ?? defaultReturnsRegion(config, choice, () => credential);
  const storedValueRegion = options.storedValueRegion ?? defaultStoredValueRegion(config, choice, () => credential);
  const storedValueLogger = logger.child({ component: "stored-value" });
  const cloudStoredValue =
    options.storedValueRegion || config.regions.length > 0
      ? new CloudStoredValue(storedValueRegion, storedValueLogger)
      : undefined;
  const storedValueRisk = new OfflineStoredValueRisk(db, config);
  const cloudReturns = new CloudReturns(returnsRegion, config.returnLookupTimeoutMs, logger.child({ component: "returns" }));
  const unverifiedReturns = new UnverifiedReturnsLedger(db, config.unverifiedReturnLimit);
  const unverifiedBoard = new UnverifiedReturnsBoard(config.storeId, unverifiedReturns, cloudReturns, clock);
  const service = new RegisterService(
    outbox,
    ledger,
    risk,
    new IdempotencyStore(db, clock),
    {
      cloud: cloudReturns,
      unverified: unverifiedReturns,
      clock,
    },
    {
      ...(cloudStoredValue ? { cloud: cloudStoredValue } : {}),
      risk: storedValueRisk,
      sealKey: config.storedValueSealKey,
      storeCreditPrefix: config.storeCreditPrefix,
      ...(config.storeCreditExpiryDays ? { storeCreditExpiryDays: config.storeCreditExpiryDays } : {}),
      logger: storedValueLogger,
    },
  );
  const queue = new QueueStatusReader(db, risk, clock);
  let syncStatus = options.syncStatus;
  const managers = new ManagerAuthority(db, config.managers, config.managerAuth, clock);
  let listeningPort: number | undefined;
  const walFlusher = options.syncThread === "in-process" ? new WalFlusher(db) : undefined;
  const app = createApp({
    service,
    // In-process sync (a fleet) shares this outbox object, so a recording may be flushed to disk off
    // the event loop; a sync worker reads its own connection and needs every commit durable at once.
    commits: new GroupCommit(outbox, walFlusher ? { flusher: walFlusher } : {}),
    ledger,
    queue,
    logger,
    managers,
    guard: { allowedHosts: config.allowedHosts, port: () => listeningPort ?? options.servedOnPort?.() },
    bodyLimitBytes: config.bodyLimitBytes,
    syncStatus: () => (syncStatus ? syncStatus() : Promise.resolve(null)),
    syncControl: () => sync,
    storedValue: {
      ...(cloudStoredValue ? { cloud: cloudStoredValue } : {}),
      sealing: { sealKey: config.storedValueSealKey, giftCardPrefixes: config.giftCardPrefixes },
    },
  });
  // The cashier and store-manager screens, served by this same app (see src/screens).
  app.route(
    "/",
    createScreens({
      config,
      api: app,
      ledger,
      db,
      managers,
      retryDeadLetter: (seq, managerId) => outbox.requeueDead(seq, `retried by manager ${managerId}`),
      credential: () => credential,
      unverifiedReturns: () => unverifiedBoard.read(),
      cloudReturns,
      offlineStoredValue: {
        exposure: () => storedValueRisk.exposure(),
        limitFor: (currency) => offlineStoredValueLimit(config, currency),
        now: clock,
      },
    }),
  );
  const wantSync = options.startSync ?? (config.sync.enabled && config.regions.length > 0);
  const inProcess = options.syncThread === "in-process";
  // WAL checkpoints run off the request path: in the sync worker when there is one (one thread
  // fewer per register), else in a checkpoint worker of their own. In-process (a fleet) there are
  // no threads: the writer keeps SQLite's own autocheckpoint (1,000 pages, the default), small
  // checkpoints rather than the 8,000-page fallback's (hundreds of registers share one event loop and one disk).
  if (inProcess) {
    sync = wantSync ? startSyncInProcess(config, logger, db, { outbox }) : undefined;
  } else {
    sync = wantSync
      ? startSync(config, logger, { checkpointEveryMs: config.backgroundCheckpoint ? CHECKPOINT_EVERY_MS : 0 })
      : undefined;
  }
  const checkpointer =
    !inProcess && !sync && config.backgroundCheckpoint ? startCheckpointer(db, logger, CHECKPOINT_EVERY_MS) : undefined;
  if (!inProcess && sync && config.backgroundCheckpoint) useFallbackAutocheckpoint(db);
  if (sync) {
    // A committed event wakes the engine at once (the worker coalesces bursts).
    outbox.onCommit(() => sync.wake());
    syncStatus ??= () => sync.status();
  }
  let server: ReturnType<typeof serve> | undefined;
  let closed = false;

  const prune = (now = clock()) =>
    pruneExpired(
      db,
      { replicatedRetentionHours: config.replicatedRetentionHours, returnsWindowDays: config.returnsWindowDays },
      now,
    );

  return {
    config,
    app,
    db,
    outbox,
    ledger,
    service,
    queue,
    async queueStatus() {
      return { ...queue.read(), sync: syncStatus ? await syncStatus() : null };
    },
    risk,
    storedValueRisk,
    managers,
    logger,
    prune,
    sync,
    setSyncStatus(fn) {
      syncStatus = fn;
    },
    async setCredential(token) {
      credential = token;
      await sync?.setCredential(token);
    },
    listen() {
      return new Promise((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
          listeningPort = info.port;
          resolve({ port: info.port, url: `http://${config.host}:${info.port}` });
        });
        s.once("error", reject);
        server = s;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          if ("closeAllConnections" in s) (s as { closeAllConnections(): void }).closeAllConnections();
        });
      }
      await sync?.close();
      await checkpointer?.stop();
      db.close();
      walFlusher?.close();
      lock.release();
      logger.flush();
    },
  };
}
