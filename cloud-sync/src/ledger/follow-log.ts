import { committedHorizon } from "../ingest/log-order.ts";
import type { Database, Queryable } from "../storage/database.ts";
import type { LogRow } from "./derive.ts";

export interface LogFollower {
  /** Its cursor in job_cursors: the last log position it applied. */
  job: string;
  /** Its advisory lock: one instance at a time per database; another at it means nothing to do now. */
  lock: number;
  pageSize: number;
}

/**
 * Follows this region's log by position, one page per transaction: takes the follower's lock,
 * reads after its cursor up to the committed horizon (log-order.ts: nothing committing later is
 * skipped), applies the page and moves the cursor in the same transaction, so a crash and rerun
 * is safe. Returns the number of records applied.
 */
export async function followLog(
  db: Database,
  follower: LogFollower,
  apply: (tx: Queryable, rows: readonly LogRow[]) => Promise<void>,
): Promise<number> {
  let total = 0;
  // One horizon for the whole run: what commits meanwhile is the next run's (each read pauses appends).
  const horizon = await committedHorizon(db);
  for (;;) {
    const read = await db.transaction(async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS ok", [follower.lock]);
      if (!lock?.ok) return 0;
      const [cur] = await tx.query<{ cursor: number }>("SELECT cursor FROM job_cursors WHERE job = $1", [follower.job]);
      const rows = await tx.query<LogRow>(
        "SELECT pos, record_id::text, kind, store_id, body FROM records WHERE pos > $1 AND pos <= $3 ORDER BY pos LIMIT $2",
        [Number(cur?.cursor ?? 0), follower.pageSize, horizon],
      );
      if (rows.length === 0) return 0;
      await apply(tx, rows);
      await tx.query(
        `INSERT INTO job_cursors (job, cursor) VALUES ($1, $2)
         ON CONFLICT (job) DO UPDATE SET cursor = GREATEST(job_cursors.cursor, EXCLUDED.cursor)`,
        [follower.job, Number((rows.at(-1) as LogRow).pos)],
      );
      return rows.length;
    });
    if (read === 0) return total;
    total += read;
  }
}
