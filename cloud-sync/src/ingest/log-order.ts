import type { Database, Queryable } from "../storage/database.ts";

/**
 * Positions in the log (`records.pos`) come from a sequence when a row is inserted, so an append
 * that commits late can leave a smaller position appear after a reader has passed it. Every append
 * therefore holds this advisory lock (shared: appends never wait on each other) from before it
 * draws a position until it ends. A reader never takes the lock: it reads the sequence's high mark,
 * then which transactions hold the lock at that moment, and waits for just those to end. Any
 * position at or below the mark was drawn by one of them or by an append already over, so nothing
 * at or below it can still appear, and appends that start meanwhile go on untouched.
 */
export const LOG_APPEND_LOCK = 74_310_002;

/** Taken (shared, until the transaction ends) by every transaction that inserts into `records`, before it does. */
export async function holdAppendLock(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock_shared($1)", [LOG_APPEND_LOCK]);
}

/** How often a reader looks again for the appends it waits on: they are short (one batch each). */
const RECHECK_MS = 2;

/**
 * The highest log position a reader may read up to: every record at or below it is committed or
 * will never exist, so a cursor that stops at it never skips one. Read-your-writes holds: whatever
 * committed before the call is at or below it. Not from inside a transaction that appends (it
 * would wait for itself).
 */
export async function committedHorizon(db: Database): Promise<number> {
  // The order matters: the mark first, then the holders (an append that drew a position at or
  // below the mark held the lock when the mark was read, so it is a holder or already over).
  const [seq] = await db.query<{ last_value: string | number; is_called: boolean }>(
    "SELECT last_value, is_called FROM records_pos_seq",
  );
  const mark = seq?.is_called ? Number(seq.last_value) : 0;
  let waitingOn = await appendsInFlight(db);
  while (waitingOn.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
    const still = new Set(await appendsInFlight(db));
    waitingOn = waitingOn.filter((t) => still.has(t));
  }
  // Positions at or below the mark are all settled now; rolled-back ones leave holes, so the
  // horizon is the last one that holds a record (a peer's lag is head minus its cursor).
  const [row] = await db.query<{ pos: string | number }>("SELECT pos FROM records WHERE pos <= $1 ORDER BY pos DESC LIMIT 1", [
    mark,
  ]);
  return row ? Number(row.pos) : 0;
}

/**
 * The transactions (virtual ids: one per transaction, never reused by the next on that session)
 * holding the append lock in this database now, other than the caller's session. A bigint
 * advisory key shows in pg_locks as classid (high half), objid (low half), objsubid 1.
 */
async function appendsInFlight(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ vxid: string }>(
    `SELECT virtualtransaction AS vxid FROM pg_locks
     WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND pid <> pg_backend_pid()`,
    [LOG_APPEND_LOCK],
  );
  return rows.map((r) => r.vxid);
}
