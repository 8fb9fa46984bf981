import type { UnverifiedReturn } from "@tenderline/shared";
import type { Queryable } from "../storage/database.ts";

export const UNVERIFIED_STATUSES = ["waiting", "verified", "mismatch"] as const;
export type UnverifiedStatus = (typeof UNVERIFIED_STATUSES)[number];

/** A store's unverified returns (oldest first), optionally of one status. */
export async function listUnverifiedReturns(
  q: Queryable,
  storeId: string,
  status: UnverifiedStatus | undefined,
  limit = 1000,
): Promise<UnverifiedReturn[]> {
  const rows = await q.query<{
    return_event_id: string;
    transaction_id: string;
    store_id: string;
    register_id: string;
    occurred_at: string;
    refund_amount: number;
    currency: string;
    approved_by: string | null;
    status: UnverifiedStatus;
    reason: string | null;
  }>(
    `SELECT return_event_id::text, transaction_id, store_id, register_id, occurred_at, refund_amount, currency, approved_by, status, reason
     FROM unverified_returns WHERE store_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY occurred_at, return_event_id LIMIT $3`,
    [storeId, status ?? null, limit],
  );
  return rows.map((r) => ({
    returnEventId: r.return_event_id,
    transactionId: r.transaction_id,
    storeId: r.store_id,
    registerId: r.register_id,
    occurredAt: r.occurred_at,
    refund: { amount: Number(r.refund_amount), currency: r.currency },
    approvedBy: r.approved_by,
    status: r.status,
    reason: r.reason,
  }));
}
