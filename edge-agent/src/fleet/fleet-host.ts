import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { getRequestListener, type ServerType } from "@hono/node-server";
import { type ErrorBody, type FleetMemory, type FleetQueues, maskPans, type QueueStatus, ServiceError } from "@tenderline/shared";
import { type Context, Hono } from "hono";
import { type Agent, createAgent } from "../agent.ts";
import { requestGuard } from "../api/request-guard.ts";
import type { AgentConfig } from "../config/config.ts";
import type { Logger } from "../logging/logger.ts";

/**
 * The page cache each fleet core's SQLite connection may hold (KiB). A register's working set is
 * the outbox's tail and the indexes' upper levels; SQLite's default (2,000 KiB) would let 500
 * busy registers hold 1 GB of cache between them. Measured in bench/fleet-bench.ts.
 */
export const FLEET_DB_CACHE_KIB = 256;
/** How long the event loop is held at a time while starting cores, reading every queue or pruning. */
const SLICE_MS = 50;
const PRUNE_EVERY_MS = 3_600_000;
/**
 * How long an idle client connection stays open. Announced in each answer (Keep-Alive: timeout=15);
 * undici stops reusing a connection a little before the announced time, so it closes first.
 */
export const FLEET_KEEP_ALIVE_MS = 15_000;
/** A registerId must be a path segment as it stands: it is the <id> in /r/<id>/… */
const ROUTABLE_ID = /^[A-Za-z0-9._~-]+$/;
/** A register's address: `/r/<id>` then its own path (and query), if any. */
const REGISTER_PATH = /^\/r\/([^/?#]+)(.*)$/s;

type NodeListener = (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void>;

export type FleetListenHost = "127.0.0.1" | "::1" | "localhost";

export interface FleetHostOptions {
  /** The fleet's one logger; each register logs through a child carrying its storeId and registerId. */
  logger: Logger;
  /** Loopback only, as an agent (default 127.0.0.1). */
  host?: FleetListenHost;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Each core's SQLite page cache in KiB (default FLEET_DB_CACHE_KIB). */
  dbCacheKiB?: number;
  /** Retention (what main.ts runs hourly per agent) over every register this often; 0: never (default hourly). */
  pruneEveryMs?: number;
}

/** The list of registers cannot be hosted together (two with one registerId or one data directory, an id that is not a path segment). */
export class FleetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FleetConfigError";
  }
}

/** A register's core did not start; the ones started before it were closed again. */
export class FleetStartError extends Error {
  constructor(
    readonly registerId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`register ${registerId} did not start: ${reason}; the fleet was not started`, options);
    this.name = "FleetStartError";
  }
}

/** stop() was called before start() finished: the registers started so far were closed again. */
export class FleetStoppedError extends Error {
  constructor(started: number, of: number) {
    super(`the fleet was stopped while starting (${started} of ${of} registers had started; they were closed again)`);
    this.name = "FleetStoppedError";
  }
}

/** Some registers did not close cleanly (each is named with its reason); the others did. */
export class FleetStopError extends Error {
  constructor(readonly failures: ReadonlyArray<{ registerId: string; reason: string }>) {
    super(
      `${failures.length} register(s) did not close cleanly: ${failures
        .slice(0, 10)
        .map((f) => `${f.registerId} (${f.reason})`)
        .join(", ")}${failures.length > 10 ? ", …" : ""}`,
    );
    this.name = "FleetStopError";
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Refuses a list of registers that could not run side by side in one process. */
function checkFleet(configs: readonly AgentConfig[]): void {
  if (configs.length === 0) throw new FleetConfigError("a fleet needs at least one register");
  const ids = new Set<string>();
  const dirs = new Map<string, string>();
  for (const c of configs) {
    if (!ROUTABLE_ID.test(c.registerId)) {
      throw new FleetConfigError(
        `registerId ${JSON.stringify(c.registerId)} cannot be hosted in a fleet: it is routed as /r/<registerId>/, so it may hold only letters, digits and . _ ~ -`,
      );
    }
    if (ids.has(c.registerId))
      throw new FleetConfigError(`registerId ${c.registerId} appears twice; every register in a fleet needs its own id`);
    ids.add(c.registerId);
    const other = dirs.get(c.dataDir);
    if (other !== undefined) {
      throw new FleetConfigError(
        `registers ${other} and ${c.registerId} share the data directory ${c.dataDir}; each needs its own outbox`,
      );
    }
    dirs.set(c.dataDir, c.registerId);
  }
}

/**
 * Many registers' agent cores in one Node process, for scale drills (2,000 registers on a small
 * machine): each is a real `createAgent` core with its own SQLite outbox, its own SyncEngine (run
 * in-process: no thread per register), its own credential, batching and breakers. One HTTP server
 * routes `/r/<registerId>/<path>` to that register's app with the prefix stripped, so the agent's
 * request guard, body limit and error mapping apply as they would on its own port; `/fleet/queues`
 * and `/fleet/memory` read the whole fleet in one request.
 */
export class FleetHost {
  private readonly configs: readonly AgentConfig[];
  private readonly agents = new Map<string, Agent>();
  /** Each register's app as a Node request listener, made on its first request. */
  private readonly listeners = new Map<string, NodeListener>();
  private readonly logger: Logger;
  private readonly dbCacheKiB: number;
  private readonly pruneEveryMs: number;
  private server: ServerType | undefined;
  private listeningPort: number | undefined;
  private baselineRss = 0;
  private pruneTimer: ReturnType<typeof setInterval> | undefined;
  private pruning = false;
  private starting: Promise<{ port: number; url: string }> | undefined;
  private stopping: Promise<void> | undefined;
  /** The fleet's own routes and the router to each register's app. */
  readonly app: Hono;

  constructor(
    configs: readonly AgentConfig[],
    private readonly options: FleetHostOptions,
  ) {
    checkFleet(configs);
    this.configs = configs;
    this.logger = options.logger;
    this.dbCacheKiB = options.dbCacheKiB ?? FLEET_DB_CACHE_KIB;
    this.pruneEveryMs = options.pruneEveryMs ?? PRUNE_EVERY_MS;
    this.app = this.createApp();
  }

  /** The port the fleet listens on, once it does. */
  get port(): number | undefined {
    return this.listeningPort;
  }

  /** The registers started so far, in the order given. */
  get registerIds(): string[] {
    return [...this.agents.keys()];
  }

  /** A register's core (its outbox, ledger, sync handle…), for tests and tools in this process. */
  agent(registerId: string): Agent | undefined {
    return this.agents.get(registerId);
  }

  /**
   * Starts every register's core (in slices of about 50 ms, yielding to the event loop between
   * them, so timers and the first sync steps of the registers already started keep running), then
   * listens. A register that fails to start closes the ones before it and rejects with FleetStartError.
   */
  start(): Promise<{ port: number; url: string }> {
    if (this.stopping) return Promise.reject(new Error("this fleet was stopped; make a new FleetHost"));
    this.starting ??= this.startAll();
    return this.starting;
  }

  private async startAll(): Promise<{ port: number; url: string }> {
    this.baselineRss = process.memoryUsage.rss();
    const began = performance.now();
    const ownLogs = this.configs.filter((c) => c.logFile).map((c) => c.registerId);
    if (ownLogs.length > 0) {
      this.logger.warn(
        { registers: ownLogs.length, first: ownLogs.slice(0, 5) },
        "a fleet logs to its own log: these registers' logFile is not used",
      );
    }
    try {
      let slice = performance.now();
      for (const config of this.configs) {
        if (this.stopping) throw new FleetStoppedError(this.agents.size, this.configs.length);
        this.agents.set(config.registerId, this.startCore(config));
        if (performance.now() - slice >= SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
        }
      }
      const listening = await this.listen();
      if (this.stopping) throw new FleetStoppedError(this.agents.size, this.configs.length);
      if (this.pruneEveryMs > 0) {
        this.pruneTimer = setInterval(() => void this.pruneAll(), this.pruneEveryMs);
        this.pruneTimer.unref();
      }
      this.logger.info(
        { registers: this.agents.size, seconds: Math.round(performance.now() - began) / 1000, ...listening },
        "fleet listening",
      );
      return listening;
    } catch (error) {
      await this.closeAll().catch((closeError: unknown) =>
        this.logger.error({ err: closeError }, "closing the registers started before the failure failed too"),
      );
      throw error;
    }
  }

  private startCore(config: AgentConfig): Agent {
    try {
      const agent = createAgent(config, {
        logger: this.logger.child({ storeId: config.storeId, registerId: config.registerId }),
        syncThread: "in-process",
        dbCacheKiB: this.dbCacheKiB,
        servedOnPort: () => this.listeningPort,
      });
      // What main.ts does at start: outbox rows the cloud holds everywhere go after their retention.
      agent.prune();
      return agent;
    } catch (error) {
      throw new FleetStartError(config.registerId, reasonOf(error), { cause: error });
    }
  }

  private listen(): Promise<{ port: number; url: string }> {
    const host = this.options.host ?? "127.0.0.1";
    const fleetListener = getRequestListener(this.app.fetch);
    return new Promise((resolve, reject) => {
      const s = createServer((incoming, outgoing) => void this.dispatch(incoming, outgoing, fleetListener));
      // A cashier acts every several seconds: with Node's 5-s default each action would open (and
      // the fleet accept and close) a connection of its own; kept longer, the client reuses it.
      s.keepAliveTimeout = FLEET_KEEP_ALIVE_MS;
      s.once("error", reject);
      s.listen(this.options.port ?? 0, host, () => {
        const info = s.address() as AddressInfo;
        this.listeningPort = info.port;
        const shown = host === "::1" ? "[::1]" : host;
        resolve({ port: info.port, url: `http://${shown}:${info.port}` });
      });
      this.server = s;
    });
  }

  /**
   * `/r/<id>/<path>` of a hosted register goes to that register's app with `/r/<id>` cut from the
   * Node request's path, before any web Request exists: the register's app then sees the request
   * as its own server would have (method, headers with Host and Origin, body, the socket as its
   * bindings), and no Request or body stream is copied per call. Everything else (the fleet's own
   * endpoints, an unknown register) goes to the fleet's app.
   */
  private dispatch(incoming: IncomingMessage, outgoing: ServerResponse, fleetListener: NodeListener): Promise<void> {
    const [, registerId = "", rest = ""] = REGISTER_PATH.exec(incoming.url ?? "") ?? [];
    const agent = this.agents.get(registerId);
    if (!agent) return fleetListener(incoming, outgoing);
    let listener = this.listeners.get(registerId);
    if (!listener) {
      listener = getRequestListener(agent.app.fetch);
      this.listeners.set(registerId, listener);
    }
    incoming.url = rest.startsWith("/") ? rest : `/${rest}`;
    return listener(incoming, outgoing);
  }

  /** Every register's GET /api/v1/queue answer, keyed by registerId (read in slices, yielding between them). */
  async queues(): Promise<FleetQueues> {
    const entries: Array<[string, QueueStatus]> = [];
    let slice = performance.now();
    for (const [id, agent] of this.agents) {
      entries.push([id, await agent.queueStatus()]);
      if (performance.now() - slice >= SLICE_MS) {
        await yieldToLoop();
        slice = performance.now();
      }
    }
    return { at: new Date().toISOString(), registers: Object.fromEntries(entries) };
  }

  memory(): FleetMemory {
    const m = process.memoryUsage();
    const registers = this.agents.size;
    return {
      registers,
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      perRegisterBytes: registers === 0 ? 0 : Math.round(m.rss / registers),
      baselineRssBytes: this.baselineRss,
    };
  }

  /** Retention over every register, as each agent process runs it hourly; one register's failure is logged and the rest still run. */
  async pruneAll(): Promise<void> {
    if (this.pruning || this.stopping) return;
    this.pruning = true;
    try {
      let slice = performance.now();
      for (const [registerId, agent] of this.agents) {
        if (this.stopping) return;
        try {
          agent.prune();
        } catch (error) {
          this.logger.error(
            { err: error, registerId },
            "retention failed for this register; its rows are kept until the next run",
          );
        }
        if (performance.now() - slice >= SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
        }
      }
    } finally {
      this.pruning = false;
    }
  }

  /** Stops listening and closes every register (its sync engine finishes its batch in flight, then its database closes). */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    // A start still running sees `stopping` and unwinds itself; its caller gets its error.
    if (this.starting) await Promise.allSettled([this.starting]);
    await this.closeAll();
  }

  private async closeAll(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) (server as { closeAllConnections(): void }).closeAllConnections();
      });
    }
    const open = [...this.agents];
    this.agents.clear();
    this.listeners.clear();
    const results = await Promise.allSettled(open.map(([, agent]) => agent.close()));
    const failures = results.flatMap((r, i) =>
      r.status === "rejected" ? [{ registerId: (open[i] as [string, Agent])[0], reason: reasonOf(r.reason) }] : [],
    );
    for (const f of failures) this.logger.error(f, "register did not close cleanly");
    if (failures.length > 0) throw new FleetStopError(failures);
  }

  private createApp(): Hono {
    const app = new Hono();
    // The fleet's own endpoints get the agent's door too: a rebinding web page must not read them.
    app.use("/fleet/*", requestGuard({ allowedHosts: [], port: () => this.listeningPort }));
    app.get("/fleet/queues", async (c) => c.json(await this.queues()));
    app.get("/fleet/memory", (c) => c.json(this.memory()));
    // Hosted registers are dispatched before the app (see dispatch): what reaches here is unknown.
    const route = (c: Context) => {
      const registerId = c.req.param("registerId") ?? "";
      const ids = this.registerIds;
      throw new ServiceError(
        404,
        "unknown_register",
        `this fleet hosts no register ${JSON.stringify(registerId.slice(0, 64))}; it hosts ${ids.length} (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""}); address a register as /r/<registerId>/<its API path>`,
      );
    };
    app.all("/r/:registerId", route);
    app.all("/r/:registerId/*", route);
    app.notFound(() => {
      throw new ServiceError(
        404,
        "not_found",
        "no such fleet endpoint: GET /fleet/queues, GET /fleet/memory, or a register's API as /r/<registerId>/<path>",
      );
    });
    app.onError((error, c) => {
      if (error instanceof ServiceError) return c.json(error.toBody(), error.status);
      this.logger.error({ err: error, path: c.req.path }, "unexpected error in the fleet router");
      return c.json(
        {
          error: "internal_error",
          message: maskPans(`the fleet hit an unexpected error: ${reasonOf(error)}`),
        } satisfies ErrorBody,
        500,
      );
    });
    return app;
  }
}
