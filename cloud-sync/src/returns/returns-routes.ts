import {
  fail,
  type Reservation,
  ReservationRequestSchema,
  type ReturnOriginal,
  ServiceError,
  type UnverifiedReturnList,
} from "@tenderline/shared";
import { Hono } from "hono";
import { type AuthEnv, requireToken } from "../api/auth.ts";
import type { PrincipalResolver } from "../auth/principal-resolver.ts";
import type { Database } from "../storage/database.ts";
import { lookUpOriginal } from "./original-state.ts";
import { DEFAULT_RESERVATION_TTL_MS, releaseReturn, reserveReturn } from "./reservations.ts";
import { listUnverifiedReturns, UNVERIFIED_STATUSES, type UnverifiedStatus } from "./unverified-list.ts";

export interface ReturnsRouteDeps {
  region: string;
  db: Database;
  principals: PrincipalResolver;
  /** The clock reservations expire by (tests inject one). */
  now?: () => Date;
  reservationTtlMs?: number;
}

/** Largest reservation body read: a return names few originals. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Returns anywhere: the lookup of an original in this region's merged ledger, reservations on its
 * remaining, and a store's unverified returns. Mounted on the region app with `app.route("/", …)`.
 */
export function returnsRoutes(deps: ReturnsRouteDeps): Hono<AuthEnv> {
  const { db, principals } = deps;
  const now = deps.now ?? (() => new Date());
  const app = new Hono<AuthEnv>();

  // Any store's register may look an original up (that is the point); the answer holds only what a return needs.
  app.get("/v1/returns/originals/:ref", requireToken(principals, "register", "store", "admin"), async (c) => {
    const ref = c.req.param("ref");
    if (ref.length === 0 || ref.length > 160)
      fail(400, "invalid_ref", "send a receipt number or a transaction id (at most 160 characters)");
    const original = await lookUpOriginal(db, ref, now());
    if (!original) {
      fail(
        404,
        "original_not_found",
        "no sale or order with that receipt number or transaction id is in this region's ledger yet",
      );
    }
    return c.json(original satisfies ReturnOriginal);
  });

  app.post("/v1/returns/reservations", requireToken(principals, "register"), async (c) => {
    const principal = c.get("principal");
    const text = await c.req.text();
    if (text.length > MAX_BODY_BYTES) fail(413, "body_too_large", `a reservation body may be at most ${MAX_BODY_BYTES} bytes`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      fail(400, "invalid_json", "the body is not JSON");
    }
    const parsed = ReservationRequestSchema.safeParse(raw);
    if (!parsed.success) throw ServiceError.invalid(parsed.error);
    const request = parsed.data;
    if (request.storeId !== principal.storeId || request.registerId !== principal.registerId) {
      fail(
        403,
        "wrong_register",
        `this credential reserves only for register ${principal.registerId} of store ${principal.storeId}; nothing was reserved`,
      );
    }
    const outcome = await reserveReturn(db, request, { now, ttlMs: deps.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS });
    return c.json(outcome.reservation satisfies Reservation, outcome.status);
  });

  app.delete("/v1/returns/reservations/:returnEventId", requireToken(principals, "register"), async (c) => {
    const principal = c.get("principal");
    const id = c.req.param("returnEventId");
    const released = await releaseReturn(db, id, {
      storeId: principal.storeId as string,
      registerId: principal.registerId as string,
    });
    if (!released) fail(404, "reservation_not_found", `no reservation ${id} is held here (released already, or never made)`);
    return c.body(null, 204);
  });

  app.get("/v1/stores/:storeId/unverified-returns", requireToken(principals, "store", "register", "admin"), async (c) => {
    const principal = c.get("principal");
    const storeId = c.req.param("storeId");
    if (principal.kind !== "admin" && principal.storeId !== storeId) {
      fail(403, "wrong_store", `this credential reads only store ${principal.storeId}`);
    }
    const status = c.req.query("status");
    if (status !== undefined && status !== "" && !(UNVERIFIED_STATUSES as readonly string[]).includes(status)) {
      fail(400, "invalid_query", `status must be one of ${UNVERIFIED_STATUSES.join(", ")}`);
    }
    const items = await listUnverifiedReturns(db, storeId, status ? (status as UnverifiedStatus) : undefined);
    return c.json({ region: deps.region, items } satisfies UnverifiedReturnList);
  });

  return app;
}
