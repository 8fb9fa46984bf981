import {
  type BatchResponse,
  type ErrorBody,
  type FeedResponse,
  fail,
  type HealthResponse,
  maskPans,
  type OperatorHealth,
  type RegisterStatus,
  regionOpenApi,
  ServiceError,
} from "@tenderline/shared";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createPrincipalResolver, type PrincipalResolver } from "../auth/principal-resolver.ts";
import { FEED_MAX_LIMIT, parseFeedCursor, readFeed } from "../feed/read-feed.ts";
import type { BatchParser } from "../ingest/classify-pool.ts";
import { ingestBatch, type ReplicatedSeqSource, singleRegion } from "../ingest/ingest-batch.ts";
import { parseBatchBytes } from "../ingest/parse-batch.ts";
import { readWatermark } from "../ingest/watermark.ts";
import { BATCH_WRITER_KINDS, batchWriterOf } from "../ingest/writer-scope.ts";
import type { Logger } from "../logging/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { returnsRoutes } from "../returns/returns-routes.ts";
import type { Database } from "../storage/database.ts";
import { type StoredValueRouteDeps, storedValueRoutes } from "../stored-value/stored-value-routes.ts";
import { type AuthEnv, bearer, requireToken } from "./auth.ts";
import { limitBody } from "./body-limit.ts";
import { DatabaseHealth } from "./database-health.ts";
import { refusePansInAddress } from "./pan-in-address.ts";

export interface AppDeps {
  region: string;
  db: Database;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
  replication?: ReplicatedSeqSource;
  /** Extra health fields for an operator (replication lag per peer…), computed on each operator's request. */
  healthDetails?: () => Promise<Omit<OperatorHealth, "region" | "status" | "backend" | "database" | "uptimeSeconds">>;
  /** Parses batch bodies off the main thread (ClassifyPool); inline when absent. */
  parseBatch?: BatchParser;
  /** How bearer credentials become principals; by default, this region's bootstrap tokens only. */
  principals?: PrincipalResolver;
  /** The stored-value ledger's keys (and, in tests, its clock and hold expiry). */
  storedValue?: Omit<StoredValueRouteDeps, "region" | "db" | "principals">;
  /** Routes added by later modules (replication, exceptions…), with the app's token resolver. */
  extend?: (app: Hono<AuthEnv>, principals: PrincipalResolver) => void;
}

const startedAt = Date.now();

/** Errors from PostgreSQL or PGlite carry a five-character SQLSTATE; a lost connection, an errno code. */
function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (/^[0-9A-Z]{5}$/.test(code) || /^E(CONN|PIPE|TIMEDOUT)/.test(code));
}

function nonNegativeInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d{1,15}$/.test(value)) fail(400, "invalid_query", `${name} must be a non-negative integer`);
  return Number(value);
}

export function createApp(deps: AppDeps): Hono<AuthEnv> {
  const { db, metrics, logger, region } = deps;
  const replication = deps.replication ?? singleRegion;
  const app = new Hono<AuthEnv>();
  const principals = deps.principals ?? createPrincipalResolver(db, { region });
  const parseBody: BatchParser = deps.parseBatch ?? (async (body, writer) => parseBatchBytes(body, writer));

  app.onError((error, c) => {
    if (error instanceof ServiceError) {
      metrics.httpRefusals.inc({ status: String(error.status) });
      // Messages never repeat what was sent, but should one ever hold a card number, toBody masks it.
      return c.json(error.toBody(), error.status);
    }
    if (error instanceof HTTPException) {
      // hono's own refusals (a malformed request it could not route or read).
      metrics.httpRefusals.inc({ status: String(error.status) });
      return c.json({ error: "bad_request", message: maskPans(error.message) } satisfies ErrorBody, error.status);
    }
    if (isDatabaseError(error)) metrics.dbErrors.inc({ operation: `${c.req.method} ${c.req.routePath}` });
    metrics.httpRefusals.inc({ status: "500" });
    // The message may come from the database; mask it, and never log the request body.
    logger.error({ err: { name: error.name, message: error.message }, path: c.req.path }, "request failed");
    return c.json({ error: "internal", message: "the region could not complete this request; retry it" }, 500);
  });
  app.notFound((c) => c.json({ error: "not_found", message: `no route ${c.req.method} ${maskPans(c.req.path)}` }, 404));
  app.use("*", refusePansInAddress);

  // Anyone may ask whether the region is up (load balancers, registers' probes); only an operator
  // (admin) or a peer region sees the details: database, uptime, peers and their last errors.
  const operator = async (authorization: string | undefined): Promise<boolean> => {
    const token = bearer(authorization);
    const resolved = token ? await principals(token) : undefined;
    return resolved?.ok === true && (resolved.principal.kind === "admin" || resolved.principal.kind === "region");
  };

  // The wire contract, generated from the shared schemas; anyone may read it (it holds no secrets).
  const openApi = regionOpenApi();
  app.get("/openapi.json", (c) => c.json(openApi));

  // Asked by the load balancer twice a second per instance and by every register's probes: one
  // shared ping answers them all, and only an operator's call computes the details.
  const databaseHealth = new DatabaseHealth(db);
  app.get("/v1/health", async (c) => {
    const reachable = await databaseHealth.check();
    if (!reachable.ok) {
      metrics.dbErrors.inc({ operation: "health" });
      logger.warn({ err: { message: reachable.reason } }, "health check: database unreachable");
    }
    const status = reachable.ok ? "ok" : "degraded";
    const httpStatus = reachable.ok ? 200 : 503;
    if (!(await operator(c.req.header("authorization")))) return c.json({ region, status } satisfies HealthResponse, httpStatus);
    const details = reachable.ok && deps.healthDetails ? await deps.healthDetails() : {};
    return c.json(
      {
        region,
        status,
        backend: db.backend,
        database: reachable.ok ? "ok" : "unreachable",
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        ...details,
      } satisfies OperatorHealth,
      httpStatus,
    );
  });

  app.post(
    "/v1/events/batch",
    requireToken(principals, ...BATCH_WRITER_KINDS),
    limitBody(deps.bodyLimitBytes, () =>
      fail(413, "body_too_large", `a batch body may be at most ${deps.bodyLimitBytes} bytes; send smaller batches`),
    ),
    async (c) => {
      const principal = c.get("principal");
      // An order channel's batch is classified as one: online orders only (ingest/writer-scope.ts).
      const parsed = await parseBody(await c.req.arrayBuffer(), batchWriterOf(principal.kind));
      if (!parsed.ok) fail(parsed.status, parsed.code, parsed.message);
      const { storeId, registerId, foreignIndex, classified } = parsed;
      if (storeId !== principal.storeId) {
        fail(403, "wrong_store", `this token writes only store ${principal.storeId}, not ${storeId}`);
      }
      if (foreignIndex >= 0) {
        fail(403, "wrong_store", `events[${foreignIndex}] belongs to another store; this token writes only store ${storeId}`);
      }
      // A register's credential writes its own register's events, nothing else: a cloned register
      // cannot take another register's seqs. An order channel's, likewise, its own channel instance's.
      if ((principal.kind === "register" || principal.kind === "channel") && registerId !== principal.registerId) {
        fail(
          403,
          "wrong_register",
          `this credential writes only ${principal.kind} ${principal.registerId} of store ${principal.storeId}, not ${registerId}; nothing was stored`,
        );
      }
      const end = metrics.batchSeconds.startTimer();
      // A database failure lands in onError, which counts it.
      const output = await ingestBatch(db, region, { storeId, registerId, events: [], classified }, replication);
      end();
      const counts = { accepted: 0, duplicate: 0, rejected: 0 };
      // One counter update per outcome and reason, not per event.
      const byReason = new Map<string, number>();
      for (const r of output.results) {
        counts[r.status]++;
        if (r.status === "rejected") byReason.set(r.reason ?? "", (byReason.get(r.reason ?? "") ?? 0) + 1);
      }
      if (counts.accepted > 0) metrics.ingestEvents.inc({ outcome: "accepted", reason: "" }, counts.accepted);
      if (counts.duplicate > 0) metrics.ingestEvents.inc({ outcome: "duplicate", reason: "" }, counts.duplicate);
      for (const [reason, n] of byReason) metrics.ingestEvents.inc({ outcome: "rejected", reason }, n);
      // Debug, not info: at a fleet's pace this is hundreds of lines a second written synchronously
      // (pino to stderr), which held the event loop past the balancer's health check; the ingest
      // counters in /metrics tell an operator the same.
      logger.debug({ storeId, registerId, ...counts, contiguousSeq: output.watermark.contiguousSeq }, "batch ingested");
      return c.json(output satisfies BatchResponse, 200);
    },
  );

  app.get("/v1/stores/:storeId/registers/:registerId", requireToken(principals, "store", "register", "admin"), async (c) => {
    const principal = c.get("principal");
    const { storeId, registerId } = c.req.param();
    if (principal.kind === "store" && principal.storeId !== storeId) {
      fail(403, "wrong_store", `this token reads only store ${principal.storeId}`);
    }
    if (principal.kind === "register" && (principal.storeId !== storeId || principal.registerId !== registerId)) {
      fail(403, "wrong_register", `this credential reads only register ${principal.registerId} of store ${principal.storeId}`);
    }
    const mark = await readWatermark(db, { storeId, registerId });
    if (mark.lastSeenAt === null)
      fail(404, "register_not_found", `register ${registerId} of store ${storeId} has sent nothing here`);
    return c.json({
      region,
      storeId,
      registerId,
      contiguousSeq: mark.contiguousSeq,
      replicatedSeq: await replication.replicatedSeq(db, { storeId, registerId }, mark.contiguousSeq),
      maxSeq: mark.maxSeq,
      gaps: mark.gaps,
      lastSeenAt: mark.lastSeenAt,
    } satisfies RegisterStatus);
  });

  app.get("/v1/feed", requireToken(principals, "consumer", "admin"), async (c) => {
    const cursor = parseFeedCursor(c.req.query("after") ?? "0");
    if (!cursor)
      fail(400, "invalid_query", "after must be a cursor from this feed (an item's cursor or nextCursor), or 0 to start");
    const limit = nonNegativeInt(c.req.query("limit"), "limit", 100);
    if (limit < 1 || limit > FEED_MAX_LIMIT) fail(400, "invalid_query", `limit must be between 1 and ${FEED_MAX_LIMIT}`);
    return c.json((await readFeed(db, region, cursor, limit, logger)) satisfies FeedResponse);
  });

  // Event counts, exceptions and peers' errors are for the operator: an admin credential.
  app.get("/metrics", requireToken(principals, "admin"), async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  app.route("/", returnsRoutes({ region, db, principals }));
  app.route("/", storedValueRoutes({ region, db, principals, ...deps.storedValue }));

  deps.extend?.(app, principals);
  return app;
}
