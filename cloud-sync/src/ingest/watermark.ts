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

export interface RegisterState extends RegisterKey {
  contiguousSeq: number;
  maxSeq: number;
}

interface StateRow {
  store_id: string;
  register_id: string;
  contiguous_seq: number;
  max_seq: number;
}

const toState = (r: StateRow): RegisterState => ({
  storeId: r.store_id,
  registerId: r.register_id,
  contiguousSeq: Number(r.contiguous_seq),
  maxSeq: Number(r.max_seq),
});

/**
 * Serialises the transactions that store events of the same registers (different registers run side
 * by side): without it, two batches of one register committing at once would each miss the other's
 * uncommitted events and leave contiguousSeq short. Locks are taken in one order (by key) so two
 * transactions never wait on each other, and before the log append lock (log-order.ts) is held.
 */
export async function lockRegisters(tx: Queryable, keys: readonly RegisterKey[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(k.store_key, k.register_key)
     FROM (SELECT DISTINCT hashtext(store_id) AS store_key, hashtext(register_id) AS register_key
           FROM unnest($1::text[], $2::text[]) AS u(store_id, register_id)
           ORDER BY 1, 2) k`,
    [keys.map((k) => k.storeId), keys.map((k) => k.registerId)],
  );
}

/**
 * Moves the registers' contiguousSeq forward after new events were stored, in one statement (in
 * the caller's transaction, after the log append, holding the registers' locks, so every other
 * event of these registers is committed and visible), and marks them seen when `seen`. Returns each
 * register's new state.
 */
export async function advanceWatermarks(tx: Queryable, keys: readonly RegisterKey[], seen: boolean): Promise<RegisterState[]> {
  if (keys.length === 0) return [];
  const rows = await tx.query<StateRow>(
    `WITH k AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k(store_id, register_id)),
     cur AS (
       SELECT k.store_id, k.register_id, COALESCE(s.contiguous_seq, 0) AS c
       FROM k LEFT JOIN register_state s ON s.store_id = k.store_id AND s.register_id = k.register_id
     ),
     -- Seqs are unique per register, so n seqs above c with the highest c + n are exactly c+1..c+n:
     -- then no row-by-row walk is needed (the usual case: a batch that continues the sequence).
     stats AS (
       SELECT cur.store_id, cur.register_id, cur.c, count(r.seq) AS n, max(r.seq) AS mx
       FROM cur LEFT JOIN records r
         ON r.kind = 'event' AND r.store_id = cur.store_id AND r.register_id = cur.register_id AND r.seq > cur.c
       GROUP BY cur.store_id, cur.register_id, cur.c
     ),
     agg AS (
       SELECT st.store_id, st.register_id,
              CASE WHEN st.n = 0 THEN st.c
                   WHEN st.mx - st.c = st.n THEN st.mx
                   ELSE (SELECT COALESCE(MAX(h.seq) FILTER (WHERE h.off = 0), st.c)
                         FROM (SELECT r.seq, r.seq - st.c - row_number() OVER (ORDER BY r.seq) AS off
                               FROM records r
                               WHERE r.kind = 'event' AND r.store_id = st.store_id AND r.register_id = st.register_id
                                 AND r.seq > st.c) h)
              END AS c,
              COALESCE(st.mx, st.c) AS m
       FROM stats st
     )
     INSERT INTO register_state AS s (store_id, register_id, contiguous_seq, max_seq, gap_since)
     SELECT store_id, register_id, c, m, CASE WHEN m > c THEN now() END FROM agg ORDER BY store_id, register_id
     ON CONFLICT (store_id, register_id) DO UPDATE SET
       contiguous_seq = GREATEST(s.contiguous_seq, EXCLUDED.contiguous_seq),
       max_seq = GREATEST(s.max_seq, EXCLUDED.max_seq),
       gap_since = CASE WHEN GREATEST(s.max_seq, EXCLUDED.max_seq) > GREATEST(s.contiguous_seq, EXCLUDED.contiguous_seq)
                        THEN COALESCE(s.gap_since, now()) END,
       last_seen_at = CASE WHEN $3::boolean THEN now() ELSE s.last_seen_at END
     RETURNING s.store_id, s.register_id, s.contiguous_seq, s.max_seq`,
    [keys.map((k) => k.storeId), keys.map((k) => k.registerId), seen],
  );
  return rows.map(toState);
}

/** The register's stored state, if it has one. */
export async function readRegisterState(db: Queryable, key: RegisterKey): Promise<RegisterState | undefined> {
  const rows = await db.query<StateRow>(
    "SELECT store_id, register_id, contiguous_seq, max_seq FROM register_state WHERE store_id = $1 AND register_id = $2",
    [key.storeId, key.registerId],
  );
  return rows[0] ? toState(rows[0]) : undefined;
}

/** Whether the seqs stored are exactly the next ones of a register with no gap (the usual batch). */
export function extendsContiguousRun(held: RegisterState, storedSeqs: readonly number[]): boolean {
  if (held.maxSeq !== held.contiguousSeq || storedSeqs.length === 0) return false;
  const sorted = [...storedSeqs].sort((a, b) => a - b);
  return sorted.every((seq, i) => seq === held.contiguousSeq + i + 1);
}

/**
 * A statement to run in the same round trip as the update, as a data-modifying WITH query (named
 * `also`); its placeholders start at $5. PostgreSQL runs it once, whether or not the update
 * matched a row.
 */
export interface AlsoRun {
  sql: string;
  params: readonly unknown[];
}

/**
 * The usual batch (extendsContiguousRun, checked by the caller): the new contiguousSeq is known
 * without reading the log back: one small update, and the register marked seen. `held` must be the
 * state read under the register's lock (lockRegisters). Undefined when the state moved meanwhile:
 * advanceWatermarks decides from the log.
 */
export async function extendContiguousRun(
  tx: Queryable,
  held: RegisterState,
  storedSeqs: readonly number[],
  also?: AlsoRun,
): Promise<RegisterState | undefined> {
  // The caller has checked extendsContiguousRun (it decides where the outcome count goes).
  const top = held.contiguousSeq + storedSeqs.length;
  const rows = await tx.query<StateRow>(
    `${also ? `WITH also AS (${also.sql}) ` : ""}UPDATE register_state SET contiguous_seq = $3, max_seq = $3, gap_since = NULL, last_seen_at = now()
     WHERE store_id = $1 AND register_id = $2 AND contiguous_seq = $4 AND max_seq = $4
     RETURNING store_id, register_id, contiguous_seq, max_seq`,
    [held.storeId, held.registerId, top, held.contiguousSeq, ...(also?.params ?? [])],
  );
  return rows[0] ? toState(rows[0]) : undefined;
}

/** Marks a register as seen (a batch arrived) without touching its sequence; returns its state. */
export async function touchRegister(tx: Queryable, key: RegisterKey): Promise<RegisterState> {
  const rows = await tx.query<StateRow>(
    `INSERT INTO register_state (store_id, register_id) VALUES ($1, $2)
     ON CONFLICT (store_id, register_id) DO UPDATE SET last_seen_at = now()
     RETURNING store_id, register_id, contiguous_seq, max_seq`,
    [key.storeId, key.registerId],
  );
  return toState(rows[0] as StateRow);
}

/** The missing ranges of a register; a query only when something above contiguousSeq is held. */
export async function gapsOf(db: Queryable, state: RegisterState): Promise<Array<{ from: number; to: number }>> {
  if (state.maxSeq <= state.contiguousSeq) return [];
  const above = await db.query<{ seq: number }>(
    "SELECT seq FROM records WHERE kind = 'event' AND store_id = $1 AND register_id = $2 AND seq > $3 ORDER BY seq",
    [state.storeId, state.registerId, state.contiguousSeq],
  );
  return gapsAbove(
    state.contiguousSeq,
    above.map((r) => Number(r.seq)),
  );
}

export async function readWatermark(db: Queryable, key: RegisterKey): Promise<RegisterWatermark & { lastSeenAt: string | null }> {
  const rows = await db.query<StateRow & { last_seen_at: Date | string }>(
    "SELECT store_id, register_id, contiguous_seq, max_seq, last_seen_at FROM register_state WHERE store_id = $1 AND register_id = $2",
    [key.storeId, key.registerId],
  );
  const row = rows[0];
  if (!row) return { contiguousSeq: 0, maxSeq: 0, gaps: [], lastSeenAt: null };
  const state = toState(row);
  return {
    contiguousSeq: state.contiguousSeq,
    maxSeq: state.maxSeq,
    gaps: await gapsOf(db, state),
    lastSeenAt: new Date(row.last_seen_at).toISOString(),
  };
}
