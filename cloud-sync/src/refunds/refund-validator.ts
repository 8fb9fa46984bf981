import { raiseExceptions } from "../exceptions/exception-store.ts";
import type { Database } from "../storage/database.ts";
import { checkRefunds, type PaidTender, type RefundSlice } from "./check-refunds.ts";

/**
 * Re-checks the original transactions marked by the ledger indexer (a refund, or the sale itself,
 * arrived). Returns how many over_refund exceptions it raised.
 */
export async function validateRefunds(db: Database, batch = 500): Promise<{ checked: number; overRefunds: number }> {
  let checked = 0;
  let overRefunds = 0;
  for (;;) {
    // marked_at as text: full microsecond precision, so the delete below matches exactly.
    const marked = await db.query<{ transaction_id: string; marked_at: string }>(
      "SELECT transaction_id, marked_at::text AS marked_at FROM refund_checks ORDER BY marked_at LIMIT $1",
      [batch],
    );
    if (marked.length === 0) return { checked, overRefunds };
    const ids = marked.map((m) => m.transaction_id);
    const paid = await db.query<{
      transaction_id: string;
      tender_id: string;
      tender_type: string;
      amount: number;
      currency: string;
      store_id: string;
    }>(
      "SELECT transaction_id, tender_id, tender_type, amount, currency, store_id FROM sale_tenders WHERE transaction_id = ANY($1::text[])",
      [ids],
    );
    const slices = await db.query<{
      original_transaction_id: string;
      return_event_id: string;
      return_transaction_id: string;
      store_id: string;
      tender_id: string;
      amount: number;
      currency: string;
      occurred_at: Date | string;
    }>(
      `SELECT original_transaction_id, return_event_id::text, return_transaction_id, store_id, tender_id, amount, currency, occurred_at
       FROM refund_lines WHERE original_transaction_id = ANY($1::text[])`,
      [ids],
    );
    const exceptions = ids.flatMap((id) => {
      const p: PaidTender[] = paid
        .filter((r) => r.transaction_id === id)
        .map((r) => ({
          tenderId: r.tender_id,
          type: r.tender_type,
          amount: Number(r.amount),
          currency: r.currency,
          storeId: r.store_id,
        }));
      const s: RefundSlice[] = slices
        .filter((r) => r.original_transaction_id === id)
        .map((r) => ({
          returnEventId: r.return_event_id,
          returnTransactionId: r.return_transaction_id,
          storeId: r.store_id,
          tenderId: r.tender_id,
          amount: Number(r.amount),
          currency: r.currency,
          occurredAt: new Date(r.occurred_at).toISOString(),
        }));
      const e = checkRefunds(id, p, s);
      return e ? [e] : [];
    });
    await db.transaction(async (tx) => {
      await raiseExceptions(tx, exceptions);
      // Only the marks we read: a transaction marked again meanwhile is checked again next time.
      await tx.query(
        `DELETE FROM refund_checks c USING unnest($1::text[], $2::timestamptz[]) AS k(transaction_id, marked_at)
         WHERE c.transaction_id = k.transaction_id AND c.marked_at <= k.marked_at`,
        [ids, marked.map((m) => m.marked_at)],
      );
    });
    checked += ids.length;
    overRefunds += exceptions.length;
  }
}
