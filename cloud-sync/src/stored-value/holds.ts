import {
  canonicalJson,
  fail,
  formatMoney,
  SealedNumberError,
  type StoredValueHold,
  type StoredValueHoldRequest,
  type StoredValueKind,
} from "@tenderline/shared";
import type { Database, Queryable } from "../storage/database.ts";
import type { SealedResolver } from "./derive-stored-value.ts";
import { readBalance } from "./ledger-reads.ts";

/** How long a hold keeps its amount back by default: long enough to finish the sale, short enough that an abandoned one frees it. */
export const DEFAULT_HOLD_TTL_MS = 120_000;

// Two-key advisory locks, a key space of their own: one per hold id, one per account.
const HOLD_LOCK = 74_310_021;
const ACCOUNT_LOCK = 74_310_022;

export interface HoldOptions {
  resolve: SealedResolver | null;
  now?: () => Date;
  ttlMs?: number;
}

export interface HoldOutcome {
  /** 201 held now; 200 the same hold asked again. */
  status: 200 | 201;
  hold: StoredValueHold;
}

const KIND_NAME: Record<StoredValueKind, string> = { gift_card: "gift card", store_credit: "store credit" };

/** The account a request names: its token, or the sealed number opened (never kept). */
export function resolveAccount(
  resolve: SealedResolver | null,
  kind: StoredValueKind,
  given: { sealed?: string | undefined; token?: string | undefined },
): { token: string; last4: string | null } {
  if (given.token !== undefined) return { token: given.token, last4: null };
  if (!resolve) {
    fail(503, "stored_value_unavailable", "this region holds no stored-value keys; try another region or take the card offline");
  }
  try {
    return resolve(kind, given.sealed as string);
  } catch (error) {
    if (!(error instanceof SealedNumberError)) throw error;
    return fail(
      422,
      "sealed_number_unreadable",
      `this region could not read the ${KIND_NAME[kind]} number (sealed with another key, or damaged); scan or type it again`,
    );
  }
}

/** "this gift card has USD 12.50 left": what a cashier reads when the amount asked is more than what is left. */
export function leftMessage(
  kind: StoredValueKind,
  available: { amount: number; currency: string },
  asked: { amount: number; currency: string },
): string {
  const left = available.amount > 0 ? formatMoney(available) : `${available.currency} 0.00`;
  return `this ${KIND_NAME[kind]} has ${left} left, less than the ${formatMoney(asked)} asked; take up to ${left} on it and the rest by another tender`;
}

/**
 * An authorisation against an account's balance, keyed by the redeeming tender's id. Concurrent
 * requests on one account take turns on its advisory lock inside one transaction, and each
 * counts the others' live holds: of two racing for the whole balance, exactly one is held.
 * Asked again with the same content it answers the same hold (200), also once captured.
 */
export async function holdStoredValue(db: Database, request: StoredValueHoldRequest, options: HoldOptions): Promise<HoldOutcome> {
  const now = (options.now ?? (() => new Date()))();
  const ttlMs = options.ttlMs ?? DEFAULT_HOLD_TTL_MS;
  const { token, last4 } = resolveAccount(options.resolve, request.kind, request);
  const content = canonicalJson({
    storeId: request.storeId,
    registerId: request.registerId,
    kind: request.kind,
    token,
    amount: request.amount,
  });
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [HOLD_LOCK, request.holdId]);
    await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [ACCOUNT_LOCK, token]);
    const balance = await readBalance(tx, token, now, request.holdId);
    if (balance?.status === "void" && balance.kind === request.kind) {
      fail(
        409,
        "account_void",
        `this ${KIND_NAME[request.kind]} was voided by a manager and cannot be spent; take another tender`,
        {
          details: { kind: request.kind, last4: balance.last4 },
        },
      );
    }
    if (balance?.status === "expired" && balance.kind === request.kind) {
      fail(409, "stored_value_expired", `this ${KIND_NAME[request.kind]} expired on ${balance.expiresAt}; it cannot be spent`, {
        details: { kind: request.kind, last4: balance.last4, expiresAt: balance.expiresAt },
      });
    }
    if (balance?.status !== "active" || balance.kind !== request.kind) {
      fail(404, "account_not_found", `no ${KIND_NAME[request.kind]} with that number has been activated; check the number`, {
        details: { kind: request.kind, ...(last4 ? { last4 } : {}) },
      });
    }
    const answer = (amount: number, expiresAt: Date, held: boolean): StoredValueHold => ({
      holdId: request.holdId,
      token,
      last4: balance.last4,
      amount: { amount, currency: balance.currency },
      available: { amount: balance.available.amount - (held ? amount : 0), currency: balance.currency },
      expiresAt: expiresAt.toISOString(),
    });
    const [existing] = await tx.query<{
      content: string;
      expires_at: Date | string;
      released_at: unknown;
      captured_entry_id: string | null;
    }>("SELECT content, expires_at, released_at, captured_entry_id FROM sv_holds WHERE hold_id = $1", [request.holdId]);
    // The redemption may be in the ledger already (the sale synced, the answer to the hold was lost).
    const [spent] = await tx.query<{ entry_id: string }>("SELECT entry_id FROM sv_entries WHERE hold_id = $1 LIMIT 1", [
      request.holdId,
    ]);
    if (existing) {
      const expiresAt = new Date(existing.expires_at);
      const captured = existing.captured_entry_id !== null || spent !== undefined;
      const live = existing.released_at === null && (captured || expiresAt.getTime() > now.getTime());
      if (existing.content === content && live) return { status: 200, hold: answer(request.amount.amount, expiresAt, !captured) };
      if (live) {
        fail(
          409,
          "hold_conflict",
          `hold ${request.holdId} is already held for another account, register or amount; use the tender's own id`,
          {
            details: { holdId: request.holdId, expiresAt: expiresAt.toISOString() },
          },
        );
      }
    } else if (spent) {
      return { status: 200, hold: answer(request.amount.amount, now, false) };
    }
    if (request.amount.currency !== balance.currency) {
      fail(422, "currency_mismatch", `this ${KIND_NAME[request.kind]} holds ${balance.currency}, not ${request.amount.currency}`);
    }
    if (request.amount.amount > balance.available.amount) {
      fail(409, "insufficient_balance", leftMessage(request.kind, balance.available, request.amount), {
        details: { available: balance.available, balance: balance.balance, held: balance.held, last4: balance.last4 },
      });
    }
    const expiresAt = new Date(now.getTime() + ttlMs);
    await upsertHold(tx, request, token, content, now, expiresAt);
    return { status: 201, hold: answer(request.amount.amount, expiresAt, true) };
  });
}

async function upsertHold(
  tx: Queryable,
  request: StoredValueHoldRequest,
  token: string,
  content: string,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO sv_holds (hold_id, token, store_id, register_id, amount, currency, content, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (hold_id) DO UPDATE SET token = EXCLUDED.token, store_id = EXCLUDED.store_id, register_id = EXCLUDED.register_id,
       amount = EXCLUDED.amount, currency = EXCLUDED.currency, content = EXCLUDED.content, created_at = EXCLUDED.created_at,
       expires_at = EXCLUDED.expires_at, released_at = NULL, captured_entry_id = NULL`,
    [
      request.holdId,
      token,
      request.storeId,
      request.registerId,
      request.amount.amount,
      request.amount.currency,
      content,
      now.toISOString(),
      expiresAt.toISOString(),
    ],
  );
}

/** The sale was not recorded: the hold stops counting. Only the register that took it may; false if it has none live. */
export async function releaseHold(
  db: Database,
  holdId: string,
  by: { storeId: string; registerId: string },
  now: Date = new Date(),
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE sv_holds SET released_at = $4 WHERE hold_id = $1 AND store_id = $2 AND register_id = $3
       AND released_at IS NULL AND captured_entry_id IS NULL RETURNING 1`,
    [holdId, by.storeId, by.registerId, now.toISOString()],
  );
  return rows.length > 0;
}
