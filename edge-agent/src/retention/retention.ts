import type { Db } from "../storage/database.ts";

export interface RetentionPolicy {
  /** Outbox rows the cloud reported replicated are kept this long, then deleted. */
  replicatedRetentionHours: number;
  /** Ledger rows (receipts, refundable amounts) are kept for the returns window. */
  returnsWindowDays: number;
  /** Idempotency answers: a register retries within minutes, a day is generous. */
  idempotencyRetentionHours?: number;
}

export interface PruneResult {
  outbox: number;
  transactions: number;
  idempotency: number;
  /** Offline card and stored-value rows (the risk caps' tables) whose event left the outbox. */
  offlineTenders: number;
}

const HOUR = 3_600_000;

/** Counts the prunes that removed outbox rows, in `meta`. */
export const OUTBOX_PRUNES_KEY = "outbox_prunes";
const BUMP_OUTBOX_PRUNES = `INSERT INTO meta (key, value) VALUES ('${OUTBOX_PRUNES_KEY}', '1')
  ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)`;

/**
 * The highest seq recorded, kept in `meta` when a prune may take the newest rows (Outbox.lastRecordedSeq
 * reads it), so a restarted agent never reuses a seq and still knows which seqs it pruned.
 */
const KEEP_SEQ_FLOOR = `INSERT INTO meta (key, value) VALUES ('seq_floor', CAST(? AS TEXT))
  ON CONFLICT (key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`;

const PRUNABLE_OUTBOX = "o.state = 'acked' AND o.replicated_at IS NOT NULL AND o.replicated_at < ?";

/**
 * The offline caps (risk/) count only rows whose outbox row is still there and not acked, so a row
 * whose outbox row was pruned counts for nothing and goes with it. A stored-value row that records
 * a manager's approval is the only copy of it (the event drops approvedBy on those tenders), so it
 * stays as long as the ledger keeps the transaction.
 */
const OUTBOX_GONE = (table: string) => `NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = ${table}.seq)`;
const PRUNE_OFFLINE_CARD = `DELETE FROM offline_card_tenders WHERE ${OUTBOX_GONE("offline_card_tenders")}`;
const PRUNE_OFFLINE_STORED_VALUE = `DELETE FROM offline_stored_value_tenders
  WHERE ${OUTBOX_GONE("offline_stored_value_tenders")} AND (approved_by IS NULL OR recorded_at < ?)`;

/**
 * Deletes what is safe to delete: only rows the cloud confirmed replicated leave the outbox (a
 * pending, dead or merely acked row is never pruned), ledger rows past the returns window, and the
 * offline risk rows of events no longer in the outbox.
 */
export function pruneExpired(db: Db, policy: RetentionPolicy, now = Date.now()): PruneResult {
  const outboxCutoff = now - policy.replicatedRetentionHours * HOUR;
  const ledgerCutoff = now - policy.returnsWindowDays * 24 * HOUR;
  const idemCutoff = now - (policy.idempotencyRetentionHours ?? 24) * HOUR;
  return db
    .transaction(() => {
      db.prepare(
        "DELETE FROM refunds WHERE original_transaction_id IN (SELECT transaction_id FROM transactions WHERE recorded_at < ?)",
      ).run(ledgerCutoff);
      const transactions = db.prepare("DELETE FROM transactions WHERE recorded_at < ?").run(ledgerCutoff).changes;
      // The outbox holds the only copy of each event; a ledger row that outlives its outbox row
      // takes the event along as its receipt.
      db.prepare(
        `UPDATE transactions SET receipt = o.body FROM outbox o
         WHERE o.seq = transactions.seq AND transactions.receipt IS NULL
           AND transactions.transaction_id = json_extract(o.body, '$.payload.transactionId')
           AND ${PRUNABLE_OUTBOX}`,
      ).run(outboxCutoff);
      const top = db.prepare("SELECT MAX(seq) FROM outbox").pluck().get() as number | null;
      const outbox = db.prepare(`DELETE FROM outbox AS o WHERE ${PRUNABLE_OUTBOX}`).run(outboxCutoff).changes;
      if (outbox > 0 && top !== null) db.prepare(KEEP_SEQ_FLOOR).run(top);
      // Readers that keep counts of settled rows (queue-status.ts) learn from this that rows went.
      if (outbox > 0) db.prepare(BUMP_OUTBOX_PRUNES).run();
      const offlineTenders =
        db.prepare(PRUNE_OFFLINE_CARD).run().changes + db.prepare(PRUNE_OFFLINE_STORED_VALUE).run(ledgerCutoff).changes;
      const idempotency = db.prepare("DELETE FROM idempotency WHERE created_at < ?").run(idemCutoff).changes;
      return { outbox, transactions, idempotency, offlineTenders };
    })
    .immediate();
}
