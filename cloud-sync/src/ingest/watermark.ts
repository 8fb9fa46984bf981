import type { Queryable } from "../storage/database.ts";

export interface RegisterKey {
  storeId: string;
  registerId: string;
}

export interface RegisterWatermark {
  contiguousSeq: number;
  maxSeq: number;
  gaps: Array<{ from: number; to: number }>;
}

/** The missing ranges between contiguousSeq and the highest seq held, from the held seqs above contiguousSeq (sorted). */
export function gapsAbove(contiguousSeq: number, heldAbove: readonly number[]): Array<{ from: number; to: number }> {
  const gaps: Array<{ from: number; to: number }> = [];
  let expected = contiguousSeq + 1;
  for (const seq of heldAbove) {
    if (seq > expected) gaps.push({ from: expected, to: seq - 1 });
    expected = Math.max(expected, seq + 1);
  }
  return gaps;
}

/** The highest n such that 1..n are all held, given the previous value and the held seqs above it (sorted). */
export function advanceContiguous(contiguousSeq: number, heldAbove: readonly number[]): number {
  let n = contiguousSeq;
  for (const seq of heldAbove) {
    if (seq === n + 1) n = seq;
    else if (seq > n + 1) break;
  }
  return n;
}

/**
 * Moves the registers' contiguousSeq forward after new events were stored (in the caller's
 * transaction, after the log append) and records that they were seen.
 */
export async function advanceWatermarks(tx: Queryable, keys: readonly RegisterKey[], seen: boolean): Promise<void> {
  if (keys.length === 0) return;
  // Locks the state rows in key order so concurrent writers of several registers never deadlock.
  const sorted = [...keys].sort((a, b) =>
    a.storeId === b.storeId ? (a.registerId < b.registerId ? -1 : 1) : a.storeId < b.storeId ? -1 : 1,
  );
  await tx.query(
    `INSERT INTO register_state (store_id, register_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [sorted.map((k) => k.storeId), sorted.map((k) => k.registerId)],
  );
  // One statement: for each register, the first missing seq above its contiguousSeq.
  await tx.query(
    `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(store_id, register_id)),
     locked AS (
       SELECT s.store_id, s.register_id, s.contiguous_seq FROM register_state s
       JOIN k ON s.store_id = k.store_id AND s.register_id = k.register_id
       ORDER BY s.store_id, s.register_id FOR UPDATE OF s
     ),
     held AS (
       SELECT l.store_id, l.register_id, l.contiguous_seq, r.seq,
              r.seq - l.contiguous_seq - row_number() OVER (PARTITION BY l.store_id, l.register_id ORDER BY r.seq) AS off
       FROM locked l JOIN records r
         ON r.kind = 'event' AND r.store_id = l.store_id AND r.register_id = l.register_id AND r.seq > l.contiguous_seq
     ),
     agg AS (
       SELECT store_id, register_id,
              COALESCE(MAX(seq) FILTER (WHERE off = 0), MAX(contiguous_seq)) AS contiguous_seq,
              MAX(seq) AS max_seq
       FROM held GROUP BY store_id, register_id
     )
     UPDATE register_state s SET
       contiguous_seq = GREATEST(s.contiguous_seq, a.contiguous_seq),
       max_seq = GREATEST(s.max_seq, a.max_seq),
       last_seen_at = CASE WHEN $3::boolean THEN now() ELSE s.last_seen_at END
     FROM agg a WHERE s.store_id = a.store_id AND s.register_id = a.register_id`,
    [sorted.map((k) => k.storeId), sorted.map((k) => k.registerId), seen],
  );
}

/** Marks registers as seen (a batch arrived) without touching their sequence. */
export async function touchRegister(tx: Queryable, key: RegisterKey): Promise<void> {
  await tx.query(
    `INSERT INTO register_state (store_id, register_id) VALUES ($1, $2)
     ON CONFLICT (store_id, register_id) DO UPDATE SET last_seen_at = now()`,
    [key.storeId, key.registerId],
  );
}

export async function readWatermark(db: Queryable, key: RegisterKey): Promise<RegisterWatermark & { lastSeenAt: string | null }> {
  const state = await db.query<{ contiguous_seq: number; max_seq: number; last_seen_at: Date | string }>(
    "SELECT contiguous_seq, max_seq, last_seen_at FROM register_state WHERE store_id = $1 AND register_id = $2",
    [key.storeId, key.registerId],
  );
  const row = state[0];
  if (!row) return { contiguousSeq: 0, maxSeq: 0, gaps: [], lastSeenAt: null };
  const contiguousSeq = Number(row.contiguous_seq);
  const above = await db.query<{ seq: number }>(
    "SELECT seq FROM records WHERE kind = 'event' AND store_id = $1 AND register_id = $2 AND seq > $3 ORDER BY seq",
    [key.storeId, key.registerId, contiguousSeq],
  );
  return {
    contiguousSeq,
    maxSeq: Number(row.max_seq),
    gaps: gapsAbove(
      contiguousSeq,
      above.map((r) => Number(r.seq)),
    ),
    lastSeenAt: new Date(row.last_seen_at).toISOString(),
  };
}
