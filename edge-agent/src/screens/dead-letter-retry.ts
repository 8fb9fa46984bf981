import type { Db } from "../storage/database.ts";

/**
 * Puts a dead letter back in the queue after the manager has dealt with its cause (a fixed
 * region-side rule, a corrected token…). The row keeps its seq and body: the event is resent as
 * recorded, never edited. The sync engine picks pending rows up on its next pass.
 */
export class DeadLetterRetry {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare(
      "UPDATE outbox SET state = 'pending', next_attempt_at = 0, dead_reason = NULL, last_error = 'retried by the store manager' WHERE seq = ? AND state = 'dead'",
    );
  }

  /** true when the row was a dead letter and is pending again. */
  retry(seq: number): boolean {
    return this.stmt.run(seq).changes === 1;
  }
}
