import type { Database, Queryable } from "../storage/database.ts";

/**
 * Positions in the log (`records.pos`) come from a sequence when a row is inserted, so an append
 * that commits late can leave a smaller position appear after a reader has passed it. Appends
 * therefore share this advisory lock, and a reader takes it exclusively for a moment to learn the
 * committed horizon: the highest position below which nothing is still in flight. Appends run side
 * by side (no writer serialises another); a reader waits only for the appends already running.
 */
const LOG_APPEND_LOCK = 74_310_002;

/** Taken (shared, until the transaction ends) by every transaction that inserts into `records`, before it does. */
export async function holdAppendLock(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock_shared($1)", [LOG_APPEND_LOCK]);
}

/** Horizon reads in flight, per database: readers that ask meanwhile share one instead of queueing another. */
const inFlight = new WeakMap<Database, Promise<number>>();

/**
 * The highest log position a reader may read up to: every record at or below it is committed or
 * will never exist, so a cursor that stops at it never skips one. Its own short transaction: it
 * must not be called from inside one that holds the append lock.
 *
 * Readers asking while a read is in flight share it: each read briefly holds back new appends, so
 * many consumers polling at once cost one pause, not one each. A read stops being shared as soon
 * as it has its answer, while it still holds appends back: so whoever shares it asked before any
 * append it leaves out could commit (read-your-writes holds).
 */
export function committedHorizon(db: Database): Promise<number> {
  const running = inFlight.get(db);
  if (running) return running;
  const done = () => {
    if (inFlight.get(db) === read) inFlight.delete(db);
  };
  const read: Promise<number> = readHorizon(db, done).finally(done);
  inFlight.set(db, read);
  return read;
}

async function readHorizon(db: Database, answered: () => void): Promise<number> {
  return db.transaction(async (tx) => {
    // Granted once the appends in flight have ended; later ones queue behind it and get higher positions.
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOG_APPEND_LOCK]);
    const [row] = await tx.query<{ head: number | null }>("SELECT max(pos) AS head FROM records");
    answered();
    return Number(row?.head ?? 0);
  });
}
