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
}

const HOUR = 3_600_000;

/**
 * Deletes what is safe to delete: only rows the cloud confirmed replicated leave the outbox (a
 * pending, dead or merely acked row is never pruned), and ledger rows past the returns window.
 */
export function pruneExpired(db: Db, policy: RetentionPolicy, now = Date.now()): PruneResult {
  const outboxCutoff = now - policy.replicatedRetentionHours * HOUR;
  const ledgerCutoff = now - policy.returnsWindowDays * 24 * HOUR;
  const idemCutoff = now - (policy.idempotencyRetentionHours ?? 24) * HOUR;
  return db
    .transaction(() => {
      const outbox = db
        .prepare("DELETE FROM outbox WHERE state = 'acked' AND replicated_at IS NOT NULL AND replicated_at < ?")
        .run(outboxCutoff).changes;
      db.prepare(
        "DELETE FROM refunds WHERE original_transaction_id IN (SELECT transaction_id FROM transactions WHERE recorded_at < ?)",
      ).run(ledgerCutoff);
      const transactions = db.prepare("DELETE FROM transactions WHERE recorded_at < ?").run(ledgerCutoff).changes;
      const idempotency = db.prepare("DELETE FROM idempotency WHERE created_at < ?").run(idemCutoff).changes;
      return { outbox, transactions, idempotency };
    })
    .immediate();
}
