import { formatMoney } from "@tenderline/shared";
import { type RaisedException, raiseExceptions } from "../exceptions/exception-store.ts";
import type { LogRow } from "../ledger/derive.ts";
import { followLog } from "../ledger/follow-log.ts";
import type { Database, Queryable } from "../storage/database.ts";
import { type DerivedEntry, deriveStoredValue, type SealedResolver } from "./derive-stored-value.ts";

const JOB = "stored_value";
/** One stored-value indexer at a time per database (its own key, beside the ledger indexer's). */
const SV_INDEXER_LOCK = 74_310_020;

/**
 * Follows this region's log by position (its own cursor, from the start: records from before
 * migration 009 are read too) and keeps the stored-value ledger: accounts, their entries, refunds
 * waiting for the redemption they go back to, holds captured by their redemption, and
 * `stored_value_overdrawn` when a balance goes below zero. Idempotent (entry ids are
 * `eventId:part`); reads up to the committed horizon only. Returns the number of records read.
 */
export function indexStoredValue(db: Database, resolve: SealedResolver | null, pageSize = 1000): Promise<number> {
  return followLog(db, { job: JOB, lock: SV_INDEXER_LOCK, pageSize }, (tx, rows) => applyStoredValuePage(tx, rows, resolve));
}

/** One page of the log into the stored-value ledger, inside the caller's transaction. */
export async function applyStoredValuePage(
  tx: Queryable,
  rows: readonly LogRow[],
  resolve: SealedResolver | null,
): Promise<void> {
  const d = deriveStoredValue(rows, resolve);
  const fresh: Array<{ entry_id: string; token: string; kind: string }> = [];
  if (d.entries.length > 0) {
    await upsertAccounts(tx, d.entries);
    fresh.push(...(await insertEntries(tx, d.entries)));
  }
  if (d.refunds.length > 0) {
    const r = d.refunds;
    await tx.query(
      `INSERT INTO sv_pending_refunds (entry_id, original_transaction_id, tender_id, amount, currency, event_id, store_id, register_id, occurred_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT DO NOTHING`,
      [
        r.map((x) => x.entryId),
        r.map((x) => x.originalTransactionId),
        r.map((x) => x.tenderId),
        r.map((x) => x.amount),
        r.map((x) => x.currency),
        r.map((x) => x.eventId),
        r.map((x) => x.storeId),
        r.map((x) => x.registerId),
        r.map((x) => x.occurredAt),
      ],
    );
  }
  // Refunds whose redemption is in the ledger now (in this page or an earlier one) go to its account.
  const refunded = await tx.query<{ entry_id: string; token: string; kind: string }>(
    `WITH ready AS (
       SELECT DISTINCT ON (p.entry_id) p.*, e.token
       FROM sv_pending_refunds p
       JOIN sv_entries e ON e.kind = 'redeem' AND e.transaction_id = p.original_transaction_id AND e.tender_id = p.tender_id
       ORDER BY p.entry_id, e.entry_id
     ), moved AS (
       DELETE FROM sv_pending_refunds p USING ready r WHERE p.entry_id = r.entry_id RETURNING p.entry_id
     )
     INSERT INTO sv_entries (entry_id, token, kind, amount, currency, event_id, store_id, register_id, occurred_at, online,
                             transaction_id, tender_id, hold_id)
     SELECT r.entry_id, r.token, 'refund', r.amount, r.currency, r.event_id, r.store_id, r.register_id, r.occurred_at, true,
            NULL, NULL, NULL
     FROM ready r WHERE r.entry_id IN (SELECT entry_id FROM moved)
     ON CONFLICT DO NOTHING
     RETURNING entry_id, token, kind`,
  );
  fresh.push(...refunded);
  // A hold stops counting once the redemption that carries its id is in the ledger.
  const captures = d.entries.filter((e) => e.holdId !== null);
  if (captures.length > 0) {
    await tx.query(
      `UPDATE sv_holds h SET captured_entry_id = k.entry_id
       FROM unnest($1::text[], $2::text[]) AS k(hold_id, entry_id)
       WHERE h.hold_id = k.hold_id AND h.captured_entry_id IS NULL`,
      [captures.map((e) => e.holdId), captures.map((e) => e.entryId)],
    );
  }
  const overdrawn = await findOverdrawn(tx, [...new Set(fresh.filter((f) => f.kind === "redeem").map((f) => f.token))]);
  await raiseExceptions(tx, [...d.exceptions, ...overdrawn]);
}

/** One row per account: opened by its first entry; issued once an issue or load names it. */
async function upsertAccounts(tx: Queryable, entries: readonly DerivedEntry[]): Promise<void> {
  type Account = { kind: string; last4: string; currency: string; issued: boolean; expiresAt: string | null };
  const byToken = new Map<string, Account>();
  for (const e of entries) {
    const prior = byToken.get(e.token);
    const issued = e.kind === "issue" || e.kind === "load";
    const expiresAt = e.expiresAt ?? null;
    if (!prior) byToken.set(e.token, { kind: e.accountKind, last4: e.last4, currency: e.currency, issued, expiresAt });
    else {
      prior.issued ||= issued;
      if (prior.last4 === "") prior.last4 = e.last4;
      prior.expiresAt ??= expiresAt;
    }
  }
  const tokens = [...byToken.keys()].sort();
  const a = tokens.map((t) => byToken.get(t) as Account);
  // The expiry is the (one per store credit number): whichever region sees it first keeps it.
  await tx.query(
    `INSERT INTO sv_accounts (token, kind, last4, currency, issued, expires_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::timestamptz[])
     ON CONFLICT (token) DO UPDATE SET issued = sv_accounts.issued OR EXCLUDED.issued,
       last4 = CASE WHEN sv_accounts.last4 = '' THEN EXCLUDED.last4 ELSE sv_accounts.last4 END,
       expires_at = COALESCE(sv_accounts.expires_at, EXCLUDED.expires_at)`,
    [
      tokens,
      a.map((x) => x.kind),
      a.map((x) => x.last4),
      a.map((x) => x.currency),
      a.map((x) => x.issued),
      a.map((x) => x.expiresAt),
    ],
  );
}

async function insertEntries(
  tx: Queryable,
  entries: readonly DerivedEntry[],
): Promise<Array<{ entry_id: string; token: string; kind: string }>> {
  const unique = [...new Map(entries.map((e) => [e.entryId, e])).values()];
  return tx.query<{ entry_id: string; token: string; kind: string }>(
    `INSERT INTO sv_entries (entry_id, token, kind, amount, currency, event_id, store_id, register_id, occurred_at, online,
                             transaction_id, tender_id, hold_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::uuid[], $7::text[], $8::text[],
                          $9::text[], $10::boolean[], $11::text[], $12::text[], $13::text[])
     ON CONFLICT DO NOTHING
     RETURNING entry_id, token, kind`,
    [
      unique.map((e) => e.entryId),
      unique.map((e) => e.token),
      unique.map((e) => e.kind),
      unique.map((e) => e.amount),
      unique.map((e) => e.currency),
      unique.map((e) => e.eventId),
      unique.map((e) => e.storeId),
      unique.map((e) => e.registerId),
      unique.map((e) => e.occurredAt),
      unique.map((e) => e.online),
      unique.map((e) => e.transactionId),
      unique.map((e) => e.tenderId),
      unique.map((e) => e.holdId),
    ],
  );
}

/**
 * Issued accounts whose balance is below zero after new redemptions: one exception per account
 * (raised again, same key, if later redemptions take it further), naming every redemption.
 */
async function findOverdrawn(tx: Queryable, tokens: readonly string[]): Promise<RaisedException[]> {
  if (tokens.length === 0) return [];
  const rows = await tx.query<{ token: string; kind: string; last4: string; currency: string; balance: string | number }>(
    `SELECT a.token, a.kind, a.last4, a.currency,
       (SELECT COALESCE(sum(e.amount), 0) FROM sv_entries e WHERE e.token = a.token AND e.currency = a.currency)::bigint AS balance
     FROM sv_accounts a WHERE a.token = ANY($1::text[]) AND a.issued`,
    [tokens],
  );
  const out: RaisedException[] = [];
  for (const a of rows) {
    const balance = { amount: Number(a.balance), currency: a.currency };
    if (balance.amount >= 0) continue;
    const redemptions = await tx.query<{
      entry_id: string;
      event_id: string;
      store_id: string;
      register_id: string;
      online: boolean;
      amount: string | number;
      occurred_at: string;
      transaction_id: string | null;
    }>(
      `SELECT entry_id, event_id::text, store_id, register_id, online, amount, occurred_at, transaction_id
       FROM sv_entries WHERE token = $1 AND kind = 'redeem' ORDER BY occurred_at, entry_id`,
      [a.token],
    );
    const stores = [...new Set(redemptions.map((r) => r.store_id))];
    out.push({
      key: `stored_value_overdrawn:${a.token}`,
      kind: "stored_value_overdrawn",
      storeId: stores.length === 1 ? (stores[0] as string) : null,
      subject: a.token,
      detail: {
        token: a.token,
        accountKind: a.kind,
        last4: a.last4,
        balance,
        balanceText: formatMoney(balance),
        redemptions: redemptions.map((r) => ({
          entryId: r.entry_id,
          eventId: r.event_id,
          transactionId: r.transaction_id,
          storeId: r.store_id,
          registerId: r.register_id,
          online: r.online,
          amount: { amount: -Number(r.amount), currency: a.currency },
          occurredAt: r.occurred_at,
        })),
      },
    });
  }
  return out;
}
