import type {
  StoredValueAccount,
  StoredValueBalance,
  StoredValueBalances,
  StoredValueEntry,
  StoredValueKind,
} from "@tenderline/shared";
import type { Queryable } from "../storage/database.ts";

interface BalanceRow {
  token: string;
  kind: StoredValueKind;
  last4: string;
  currency: string;
  issued: boolean;
  voided: boolean;
  expires_at: Date | string | null;
  balance: string | number;
  held: string | number;
}

/**
 * An account's balance and what live holds keep back, read in one statement (one snapshot: a
 * redemption reaching the ledger and capturing its hold is seen whole or not at all). A hold is
 * live until it expires by `now`, is released, or is captured. `exceptHold` leaves one hold out.
 */
export async function readBalance(
  q: Queryable,
  token: string,
  now: Date,
  exceptHold: string | null = null,
): Promise<StoredValueBalance | null> {
  const [r] = await q.query<BalanceRow>(
    `SELECT a.token, a.kind, a.last4, a.currency, a.issued, a.expires_at,
       EXISTS (SELECT 1 FROM sv_entries v WHERE v.token = a.token AND v.kind = 'void') AS voided,
       COALESCE((SELECT sum(e.amount) FROM sv_entries e WHERE e.token = a.token AND e.currency = a.currency), 0)::bigint AS balance,
       COALESCE((SELECT sum(h.amount) FROM sv_holds h
                 WHERE h.token = a.token AND h.currency = a.currency AND h.released_at IS NULL AND h.captured_entry_id IS NULL
                   AND h.expires_at > $2::timestamptz AND ($3::text IS NULL OR h.hold_id <> $3::text)), 0)::bigint AS held
     FROM sv_accounts a WHERE a.token = $1`,
    [token, now.toISOString(), exceptHold],
  );
  if (!r) return null;
  const balance = Number(r.balance);
  const held = Number(r.held);
  return {
    token: r.token,
    kind: r.kind,
    last4: r.last4,
    currency: r.currency,
    balance: { amount: balance, currency: r.currency },
    held: { amount: held, currency: r.currency },
    available: { amount: balance - held, currency: r.currency },
    status: r.voided
      ? "void"
      : r.expires_at !== null && new Date(r.expires_at).getTime() <= now.getTime()
        ? "expired"
        : r.issued
          ? "active"
          : "not_issued",
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at).toISOString(),
  };
}

interface EntryRow {
  entry_id: string;
  kind: StoredValueEntry["kind"];
  amount: string | number;
  currency: string;
  event_id: string;
  store_id: string;
  register_id: string;
  occurred_at: string;
  online: boolean;
}

export async function readEntries(q: Queryable, token: string): Promise<StoredValueEntry[]> {
  const rows = await q.query<EntryRow>(
    `SELECT entry_id, kind, amount, currency, event_id::text, store_id, register_id, occurred_at, online
     FROM sv_entries WHERE token = $1 ORDER BY occurred_at, entry_id`,
    [token],
  );
  return rows.map((r) => ({
    entryId: r.entry_id,
    kind: r.kind,
    amount: { amount: Number(r.amount), currency: r.currency },
    eventId: r.event_id,
    storeId: r.store_id,
    registerId: r.register_id,
    occurredAt: r.occurred_at,
    online: r.online,
  }));
}

export async function readAccount(q: Queryable, token: string, now: Date): Promise<StoredValueAccount | null> {
  const balance = await readBalance(q, token, now);
  if (!balance) return null;
  return { ...balance, entries: await readEntries(q, token) };
}

/** Whether any entry of the account was made at this store (a store credential may read such an account). */
export async function storeUsedAccount(q: Queryable, token: string, storeId: string): Promise<boolean> {
  const rows = await q.query("SELECT 1 FROM sv_entries WHERE token = $1 AND store_id = $2 LIMIT 1", [token, storeId]);
  return rows.length > 0;
}

/** Every account's balance from its entries (holds aside), by token: what two regions compare. */
export async function listBalances(q: Queryable, region: string): Promise<StoredValueBalances> {
  const rows = await q.query<{ token: string; kind: StoredValueKind; currency: string; balance: string | number }>(
    `SELECT a.token, a.kind, a.currency,
       COALESCE((SELECT sum(e.amount) FROM sv_entries e WHERE e.token = a.token AND e.currency = a.currency), 0)::bigint AS balance
     FROM sv_accounts a ORDER BY a.token`,
  );
  return {
    region,
    accounts: rows.map((r) => ({
      token: r.token,
      kind: r.kind,
      currency: r.currency,
      balance: { amount: Number(r.balance), currency: r.currency },
    })),
  };
}
