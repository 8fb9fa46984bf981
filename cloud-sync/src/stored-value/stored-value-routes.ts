import {
  fail,
  ServiceError,
  type StoredValueAccount,
  type StoredValueBalance,
  type StoredValueBalances,
  type StoredValueHold,
  StoredValueHoldRequestSchema,
  StoredValueInquirySchema,
  type StoredValueKeys,
} from "@tenderline/shared";
import { Hono } from "hono";
import type { z } from "zod";
import { type AuthEnv, requireToken } from "../api/auth.ts";
import type { PrincipalResolver } from "../auth/principal-resolver.ts";
import type { Database } from "../storage/database.ts";
import type { SealedResolver } from "./derive-stored-value.ts";
import { DEFAULT_HOLD_TTL_MS, holdStoredValue, releaseHold, resolveAccount } from "./holds.ts";
import { sealedResolver } from "./keys.ts";
import { listBalances, readAccount, readBalance, storeUsedAccount } from "./ledger-reads.ts";

export interface StoredValueRouteDeps {
  region: string;
  db: Database;
  principals: PrincipalResolver;
  /** The regions' stored-value keys; without them sealed numbers are refused (503) and tokens still work. */
  keys?: StoredValueKeys | undefined;
  /** The clock holds expire by (tests inject one). */
  now?: () => Date;
  holdTtlMs?: number;
}

/** Largest body read: a hold or an inquiry is a few fields and one sealed number. */
const MAX_BODY_BYTES = 8 * 1024;

async function readJson<S extends z.ZodType>(text: string, schema: S): Promise<z.infer<S>> {
  if (text.length > MAX_BODY_BYTES) fail(413, "body_too_large", `a stored-value body may be at most ${MAX_BODY_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    fail(400, "invalid_json", "the body is not JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw ServiceError.invalid(parsed.error);
  return parsed.data;
}

/**
 * The stored-value ledger's routes: holds (online redemption), balance inquiries, an account's
 * entries, every balance. Numbers are never in a request or an answer, only sealed or as tokens.
 * Mounted on the region app with `app.route("/", …)`.
 */
export function storedValueRoutes(deps: StoredValueRouteDeps): Hono<AuthEnv> {
  const { db, principals } = deps;
  const now = deps.now ?? (() => new Date());
  const resolve: SealedResolver | null = deps.keys ? sealedResolver(deps.keys) : null;
  const app = new Hono<AuthEnv>();

  app.post("/v1/stored-value/holds", requireToken(principals, "register"), async (c) => {
    const principal = c.get("principal");
    const request = await readJson(await c.req.text(), StoredValueHoldRequestSchema);
    if (request.storeId !== principal.storeId || request.registerId !== principal.registerId) {
      fail(
        403,
        "wrong_register",
        `this credential holds only for register ${principal.registerId} of store ${principal.storeId}; nothing was held`,
      );
    }
    const outcome = await holdStoredValue(db, request, { resolve, now, ttlMs: deps.holdTtlMs ?? DEFAULT_HOLD_TTL_MS });
    return c.json(outcome.hold satisfies StoredValueHold, outcome.status);
  });

  app.delete("/v1/stored-value/holds/:holdId", requireToken(principals, "register"), async (c) => {
    const principal = c.get("principal");
    const holdId = c.req.param("holdId");
    const released = await releaseHold(
      db,
      holdId,
      { storeId: principal.storeId as string, registerId: principal.registerId as string },
      now(),
    );
    if (!released)
      fail(404, "hold_not_found", `no hold ${holdId} of this register is live here (released, captured, or never taken)`);
    return c.body(null, 204);
  });

  app.post("/v1/stored-value/inquiries", requireToken(principals, "register"), async (c) => {
    const inquiry = await readJson(await c.req.text(), StoredValueInquirySchema);
    const { token, last4 } = resolveAccount(resolve, inquiry.kind, { sealed: inquiry.sealed });
    const balance = await readBalance(db, token, now());
    // A number no event ever named: 404 (an account known only from old redemptions answers not_issued).
    if (balance?.kind !== inquiry.kind) {
      fail(
        404,
        "account_not_found",
        `no ${inquiry.kind === "gift_card" ? "gift card" : "store credit"} with that number has been activated`,
        {
          details: { kind: inquiry.kind, ...(last4 ? { last4 } : {}) },
        },
      );
    }
    return c.json(balance satisfies StoredValueBalance);
  });

  app.get("/v1/stored-value/accounts/:token", requireToken(principals, "admin", "store"), async (c) => {
    const principal = c.get("principal");
    const token = c.req.param("token");
    const missing = () => fail(404, "account_not_found", "no stored-value account with that token is in this region's ledger");
    // A store sees only accounts it has used; any other answers as if unknown (no probing for tokens).
    if (principal.kind === "store" && !(await storeUsedAccount(db, token, principal.storeId as string))) missing();
    const account = await readAccount(db, token, now());
    if (!account) return missing();
    return c.json(account satisfies StoredValueAccount);
  });

  app.get("/v1/stored-value/balances", requireToken(principals, "admin", "consumer"), async (c) => {
    return c.json((await listBalances(db, deps.region)) satisfies StoredValueBalances);
  });

  return app;
}
