import { randomBytes } from "node:crypto";
import { committedHorizon } from "../ingest/log-order.ts";
import type { Database, Queryable } from "../storage/database.ts";

/** One history of the log: it shares positions 1..startsAfter with the epoch before it, no more. */
export interface LogEpoch {
  n: number;
  epoch: string;
  startsAfter: number;
  startedAt: string;
  reason: string;
}

interface EpochRow {
  n: number;
  epoch: string;
  starts_after: number | string;
  started_at: Date | string;
  reason: string;
}

const toEpoch = (r: EpochRow): LogEpoch => ({
  n: Number(r.n),
  epoch: r.epoch,
  startsAfter: Number(r.starts_after),
  startedAt: new Date(r.started_at).toISOString(),
  reason: r.reason,
});

/** Every epoch, oldest first (the last is the current one). */
export async function listEpochs(q: Queryable): Promise<LogEpoch[]> {
  const rows = await q.query<EpochRow>("SELECT n, epoch, starts_after, started_at, reason FROM log_epochs ORDER BY n");
  return rows.map(toEpoch);
}

export async function currentEpoch(q: Queryable): Promise<LogEpoch> {
  const [row] = await q.query<EpochRow>(
    "SELECT n, epoch, starts_after, started_at, reason FROM log_epochs ORDER BY n DESC LIMIT 1",
  );
  if (!row) throw new Error("log_epochs is empty: the database was not migrated (migration 010 makes the first epoch)");
  return toEpoch(row);
}

// One rotation at a time per database: two instances finding the same rewind make one epoch.
const ROTATE_LOCK = 74_310_030;

/**
 * Starts a new epoch after the log's committed head (or `startsAfter`, when writes may have
 * landed since the rewind and the head is not known to be shared): positions above it are new
 * history. Peers' cursors into this log stop being valid (they re-scan when told), and this region
 * heals: the replicator pulls every peer's whole log once per epoch after the first, records that
 * came from here included, and gets back what it lost. `unlessSince` makes a second instance that
 * found the same rewind a moment later reuse the epoch the first one started.
 */
export async function rotateEpoch(db: Database, reason: string, unlessSince?: LogEpoch, startsAfter?: number): Promise<LogEpoch> {
  const head = startsAfter ?? (await committedHorizon(db));
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ROTATE_LOCK]);
    const now = await currentEpoch(tx);
    if (unlessSince && now.n > unlessSince.n) return now;
    const epoch = randomBytes(6).toString("hex");
    const [row] = await tx.query<EpochRow>(
      `INSERT INTO log_epochs (n, epoch, starts_after, reason) VALUES ($1, $2, $3, $4)
       RETURNING n, epoch, starts_after, started_at, reason`,
      [now.n + 1, epoch, head, reason],
    );
    return toEpoch(row as EpochRow);
  });
}

/**
 * Where a reader holding position `pos` of epoch `epoch` may go on in the current history: from
 * `pos` itself when the histories still share it, else from the newest position they share (every
 * record after it is new to the reader or may repeat). An epoch this log does not know (it was
 * restored to before that epoch began) shares nothing that can be proven: from 0.
 */
export function resumeFrom(epochs: readonly LogEpoch[], epoch: string, pos: number): { valid: boolean; from: number } {
  const at = epochs.findIndex((e) => e.epoch === epoch);
  if (at < 0) return { valid: false, from: 0 };
  const later = epochs.slice(at + 1);
  if (later.length === 0) return { valid: true, from: pos };
  const shared = Math.min(...later.map((e) => e.startsAfter));
  return pos <= shared ? { valid: true, from: pos } : { valid: false, from: shared };
}

/** How long after an epoch starts its records may still repeat ones delivered before (healing). */
export const REPEAT_MARGIN_MS = 10 * 60_000;

/**
 * Whether a record of the current epoch may have been delivered in an earlier one: after a
 * rewind, lost records come back (from peers, from registers) at new positions. An event that
 * occurred before the epoch began (with a margin for register clocks) may; so may anything in
 * the margin after it. Over-marking is safe: readers drop repeats by event id.
 */
export function mayRepeat(current: LogEpoch, pos: number, occurredAt: string | null, ingestedAt: string): boolean {
  if (current.n === 1 || pos <= current.startsAfter) return false;
  const limit = Date.parse(current.startedAt) + REPEAT_MARGIN_MS;
  return Date.parse(occurredAt ?? ingestedAt) < limit;
}
