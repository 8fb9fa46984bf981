import {
  type AgentSyncStatus,
  agentOpenApi,
  type ErrorBody,
  ExchangeRequestSchema,
  hasPanIssue,
  maskPans,
  type QueueStatus,
  ReturnRequestSchema,
  SaleRequestSchema,
  ServiceError,
  VoidRequestSchema,
} from "@tenderline/shared";
import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { z } from "zod";
import { IdempotencyStore } from "../idempotency/idempotency-store.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Logger } from "../logging/logger.ts";
import type { ManagerAuthority } from "../managers/manager-authority.ts";
import { managerOf, managerRoutes, requireManager } from "../managers/manager-routes.ts";
import type { GroupCommit } from "../outbox/group-commit.ts";
import type { QueueStatusReader } from "../outbox/queue-status.ts";
import type { IdempotencyContext, RegisterService } from "../register/register-service.ts";
import { SCREENS_CSP_DIRECTIVES } from "../screens/layout.tsx";
import { ClientGoneError, shedGoneClients } from "./client-gone.ts";
import { toServiceError } from "./error-mapping.ts";
import { refusePansInRequest } from "./pan-in-request.ts";
import { readJson } from "./read-json.ts";
import { receiptView } from "./receipt-view.ts";
import { type RequestGuardOptions, requestGuard } from "./request-guard.ts";
import { type StoredValueRoutesDeps, storedValueRoutes } from "./stored-value-routes.ts";

export interface AppDeps {
  service: RegisterService;
  /** Records from concurrent requests share one commit (see GroupCommit). */
  commits: GroupCommit;
  ledger: Ledger;
  queue: QueueStatusReader;
  logger: Logger;
  managers: ManagerAuthority;
  /** Which Host names and port the agent answers to (see request-guard.ts). */
  guard: RequestGuardOptions;
  bodyLimitBytes: number;
  /** The sync engine's view (regions, throughput); absent when sync is off. */
  syncStatus?: () => Promise<AgentSyncStatus>;
  /** The sync engine's controls (pause, resume, sync now); absent when sync is off. */
  syncControl?: () => SyncControl | undefined;
  /** Gift card and store credit numbers: sealing and balance inquiries (absent: the seal route refuses, naming storedValueSealKey). */
  storedValue?: StoredValueRoutesDeps;
}

export interface SyncControl {
  pause(): Promise<void>;
  resume(): Promise<void>;
  syncNow(): Promise<void>;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function validate<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw ServiceError.invalid(result.error, hasPanIssue(result.error));
  return result.data;
}

function idempotencyOf(c: Context, route: string, raw: unknown): IdempotencyContext | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ServiceError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 200 visible ASCII characters");
  }
  return { key, hash: IdempotencyStore.requestHash(route, raw) };
}

/**
 * The register API (docs/ARCHITECTURE.md): loopback only, JSON in and out. The guard and the
 * body limit sit in front of every route, the screens' included (they are mounted on this app).
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.use("*", requestGuard(deps.guard));
  app.use("*", refusePansInRequest);
  // Plain http on loopback: no HSTS. No page may frame the agent, and nothing is fetched from elsewhere.
  app.use(
    "*",
    secureHeaders({ contentSecurityPolicy: SCREENS_CSP_DIRECTIVES, strictTransportSecurity: false, xFrameOptions: "DENY" }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: deps.bodyLimitBytes,
      onError: () => {
        throw new ServiceError(
          413,
          "body_too_large",
          `the request body is over the ${deps.bodyLimitBytes}-byte limit; split the transaction or remove unneeded fields`,
        );
      },
    }),
  );

  for (const path of ["/api/v1/sales", "/api/v1/returns", "/api/v1/exchanges", "/api/v1/stored-value/void"])
    app.use(path, shedGoneClients);

  app.post("/api/v1/sales", async (c) => {
    const raw = await readJson(c);
    const request = validate(SaleRequestSchema, raw);
    const idempotency = idempotencyOf(c, "sales", raw);
    const approver = managerOf(c, deps.managers);
    // A gift card or store credit tender is held at the region first, so the service awaits and
    // hands its recording to the group commit itself.
    const result = await deps.service.checkout(request, { idempotency, approver, commit: (fn) => deps.commits.run(fn) });
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, result.status);
  });

  app.post("/api/v1/returns", async (c) => {
    const raw = await readJson(c);
    const request = validate(ReturnRequestSchema, raw);
    const idempotency = idempotencyOf(c, "returns", raw);
    const approver = managerOf(c, deps.managers);
    // A return may ask the cloud first (an original not on this register), so the service awaits
    // and hands its recording to the group commit itself.
    const result = await deps.service.recordReturn(request, { idempotency, approver, commit: (fn) => deps.commits.run(fn) });
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, result.status);
  });

  app.post("/api/v1/exchanges", async (c) => {
    const raw = await readJson(c);
    const request = validate(ExchangeRequestSchema, raw);
    const idempotency = idempotencyOf(c, "exchanges", raw);
    const approver = managerOf(c, deps.managers);
    const result = await deps.service.recordExchange(request, { idempotency, approver, commit: (fn) => deps.commits.run(fn) });
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, result.status);
  });

  app.post("/api/v1/stored-value/void", async (c) => {
    const raw = await readJson(c);
    const request = validate(VoidRequestSchema, raw);
    const idempotency = idempotencyOf(c, "stored-value-void", raw);
    const approver = managerOf(c, deps.managers);
    const result = await deps.service.voidStoredValue(request, { idempotency, approver, commit: (fn) => deps.commits.run(fn) });
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, result.status);
  });

  app.route(
    "/api/v1/stored-value",
    storedValueRoutes(deps.storedValue ?? { sealing: { sealKey: undefined, giftCardPrefixes: [] } }),
  );

  app.get("/api/v1/transactions/:id", (c) => {
    const tx = deps.ledger.get(c.req.param("id"));
    if (!tx) {
      throw new ServiceError(
        404,
        "transaction_not_found",
        "no transaction with that id on this register (it may be older than the returns window)",
      );
    }
    return c.json(receiptView(tx));
  });

  app.get("/api/v1/queue", async (c) => {
    const local = deps.queue.read();
    const sync = deps.syncStatus ? await deps.syncStatus() : null;
    return c.json({ ...local, sync } satisfies QueueStatus);
  });

  const manager = requireManager(deps.managers);
  const control = (): SyncControl => {
    const sync = deps.syncControl?.();
    if (!sync)
      throw new ServiceError(409, "sync_off", "this agent has no sync engine running (no regions configured, or sync disabled)");
    return sync;
  };
  // Pausing sync holds sales on the register, away from the cloud: a manager's call, recorded by id.
  app.post("/api/v1/sync/pause", manager, async (c) => {
    await control().pause();
    deps.logger.warn({ managerId: c.get("manager").managerId }, "sync paused by a manager");
    return c.json({ paused: true, by: c.get("manager").managerId });
  });
  app.post("/api/v1/sync/resume", manager, async (c) => {
    await control().resume();
    deps.logger.info({ managerId: c.get("manager").managerId }, "sync resumed by a manager");
    return c.json({ paused: false, by: c.get("manager").managerId });
  });

  app.route("/api/v1/manager", managerRoutes(deps.managers, deps.logger));
  // "Sync now" also lifts a pause, so it is a manager's call as well.
  app.post("/api/v1/sync/now", manager, async (c) => {
    await control().syncNow();
    deps.logger.info({ managerId: c.get("manager").managerId }, "sync now, asked by a manager");
    return c.json({ requested: true, by: c.get("manager").managerId });
  });

  app.get("/api/v1/health", (c) => c.json({ status: "ok" }));
  // The API as OpenAPI 3.1, generated from the shared schemas the contract test checks these answers against.
  app.get("/openapi.json", (c) => c.json(agentOpenApi()));

  app.notFound(() => {
    throw new ServiceError(404, "not_found", "no such endpoint; see the register API in docs/ARCHITECTURE.md");
  });

  app.onError((error, c) => {
    const serviceError = toServiceError(error);
    if (serviceError) {
      // A client that hung up is the register being busy, not failing: thousands under a burst.
      const level = serviceError.status >= 500 && !(error instanceof ClientGoneError) ? "error" : "info";
      deps.logger[level]({ code: serviceError.code, status: serviceError.status, path: c.req.path }, "request refused");
      return c.json(serviceError.toBody(), serviceError.status);
    }
    deps.logger.error({ err: error, path: c.req.path }, "unexpected error");
    return c.json(
      {
        error: "internal_error",
        message: maskPans("the agent hit an unexpected error; nothing was recorded for this request"),
      } satisfies ErrorBody,
      500,
    );
  });

  return app;
}
