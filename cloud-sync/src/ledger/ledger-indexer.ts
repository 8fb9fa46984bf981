import { raiseExceptions } from "../exceptions/exception-store.ts";
import { storeReturnsLedger } from "../returns/ledger-returns.ts";
import type { Database } from "../storage/database.ts";
import { deriveFromLog, type LogRow } from "./derive.ts";
import { followLog } from "./follow-log.ts";

const JOB = "ledger";
const INDEXER_LOCK = 74_310_003;
/** The returns ledger's catch-up over records indexed before it existed (migration 007): how far, and up to where. */
const BACKFILL = "returns_backfill";
const BACKFILL_END = "returns_backfill_end";

/**
 * Follows this region's log by position and keeps the merged ledger (tenders, refund slices,
 * returnable originals and the units returned of them, unverified returns),
 * the reconciliation work list and result exceptions up to date. It reads only up to the committed
 * horizon (log-order.ts), so nothing is skipped; every write is idempotent (a crash and rerun is safe) and instances take turns.
 * Returns the number of records read.
 */
export async function indexLog(db: Database, regions: readonly string[], pageSize = 1000): Promise<number> {
  await backfillReturns(db, regions, pageSize);
  return followLog(db, { job: JOB, lock: INDEXER_LOCK, pageSize }, async (tx, rows) => {
    const d = deriveFromLog(rows, regions);
    if (d.saleTenders.length > 0) {
      const t = d.saleTenders;
      await tx.query(
        `INSERT INTO sale_tenders (transaction_id, tender_id, event_id, store_id, tender_type, amount, currency)
           SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[])
           ON CONFLICT DO NOTHING`,
        [
          t.map((r) => r.transactionId),
          t.map((r) => r.tenderId),
          t.map((r) => r.eventId),
          t.map((r) => r.storeId),
          t.map((r) => r.type),
          t.map((r) => r.amount),
          t.map((r) => r.currency),
        ],
      );
    }
    if (d.refundLines.length > 0) {
      const l = d.refundLines;
      await tx.query(
        `INSERT INTO refund_lines (return_event_id, line_no, return_transaction_id, store_id, original_transaction_id, tender_id, amount, currency, occurred_at)
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::timestamptz[])
           ON CONFLICT DO NOTHING`,
        [
          l.map((r) => r.returnEventId),
          l.map((r) => r.lineNo),
          l.map((r) => r.returnTransactionId),
          l.map((r) => r.storeId),
          l.map((r) => r.originalTransactionId),
          l.map((r) => r.tenderId),
          l.map((r) => r.amount),
          l.map((r) => r.currency),
          l.map((r) => r.occurredAt),
        ],
      );
    }
    // Returnable originals, returned units and unverified returns (verified here once their originals are in).
    await storeReturnsLedger(tx, d);
    if (d.saleChecks.length > 0) {
      // After the refund slices of this page are in, so a sale and its refund in one page are checked.
      d.refundChecks.push(...d.saleChecks);
    }
    if (d.refundChecks.length > 0) {
      await tx.query(
        `INSERT INTO refund_checks (transaction_id)
           SELECT DISTINCT t FROM unnest($1::text[]) AS t
           WHERE EXISTS (SELECT 1 FROM refund_lines l WHERE l.original_transaction_id = t)
           ON CONFLICT (transaction_id) DO UPDATE SET marked_at = now()`,
        [d.refundChecks],
      );
    }
    if (d.work.length > 0) {
      const w = d.work;
      // A result may already be here (pulled from the region that decided it): then nothing is pending.
      await tx.query(
        `INSERT INTO reconcile_work (event_id, tender_id, transaction_id, store_id, terminal_txn_id, amount, currency,
             card_token, last4, occurred_at, owner_region, status)
           SELECT k.*, CASE WHEN EXISTS (
               SELECT 1 FROM records r WHERE r.kind = 'tender_result' AND r.subject_event_id = k.event_id AND r.tender_id = k.tender_id
             ) THEN 'done' ELSE 'pending' END
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[],
                       $10::timestamptz[], $11::text[])
             AS k(event_id, tender_id, transaction_id, store_id, terminal_txn_id, amount, currency, card_token, last4, occurred_at, owner_region)
           ON CONFLICT DO NOTHING`,
        [
          w.map((r) => r.eventId),
          w.map((r) => r.tenderId),
          w.map((r) => r.transactionId),
          w.map((r) => r.storeId),
          w.map((r) => r.terminalTxnId),
          w.map((r) => r.amount),
          w.map((r) => r.currency),
          w.map((r) => r.token),
          w.map((r) => r.last4),
          w.map((r) => r.occurredAt),
          w.map((r) => r.owner),
        ],
      );
    }
    if (d.detailsFromRegister.length > 0) {
      await tx.query(
        `UPDATE reconcile_work w SET status = 'details_from_register'
           FROM unnest($1::text[], $2::text[]) AS k(transaction_id, tender_id)
           WHERE w.transaction_id = k.transaction_id AND w.tender_id = k.tender_id AND w.status = 'pending'`,
        [d.detailsFromRegister.map((r) => r.transactionId), d.detailsFromRegister.map((r) => r.tenderId)],
      );
    }
    if (d.results.length > 0) {
      await tx.query(
        `UPDATE reconcile_work w SET status = 'done', lease_until = NULL, last_outcome = k.outcome
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(event_id, tender_id, outcome)
           WHERE w.event_id = k.event_id AND w.tender_id = k.tender_id AND w.status <> 'done'`,
        [d.results.map((r) => r.eventId), d.results.map((r) => r.tenderId), d.results.map((r) => r.outcome)],
      );
    }
    await raiseExceptions(tx, d.exceptions);
  });
}

/**
 * Re-reads the records the indexer had read before the returns ledger existed, for the returns
 * ledger only (originals, returned units, unverified returns); idempotent, under the indexer's
 * lock, one page per transaction. Returns the number of records re-read.
 */
export async function backfillReturns(db: Database, regions: readonly string[], pageSize = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const read = await db.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [INDEXER_LOCK]);
      if (!lock?.ok) return 0;
      const cursors = await tx.query<{ job: string; cursor: number }>(
        "SELECT job, cursor FROM job_cursors WHERE job = ANY($1::text[])",
        [[BACKFILL, BACKFILL_END]],
      );
      const end = cursors.find((c) => c.job === BACKFILL_END);
      if (!end) return 0;
      const cursor = Number(cursors.find((c) => c.job === BACKFILL)?.cursor ?? 0);
      if (cursor >= Number(end.cursor)) return 0;
      const rows = await tx.query<LogRow>(
        "SELECT pos, record_id::text, kind, store_id, body FROM records WHERE pos > $1 AND pos <= $3 ORDER BY pos LIMIT $2",
        [cursor, pageSize, Number(end.cursor)],
      );
      const last = rows.length > 0 ? Number((rows.at(-1) as LogRow).pos) : Number(end.cursor);
      if (rows.length > 0) await storeReturnsLedger(tx, deriveFromLog(rows, regions));
      await tx.query(
        `INSERT INTO job_cursors (job, cursor) VALUES ($1, $2)
         ON CONFLICT (job) DO UPDATE SET cursor = GREATEST(job_cursors.cursor, EXCLUDED.cursor)`,
        [BACKFILL, last],
      );
      return rows.length;
    });
    if (read === 0) return total;
    total += read;
  }
}
