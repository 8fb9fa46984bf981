import { addToDigest, registerDigestParams, registerDigestUpsert } from "../replication/digest.ts";
import { isUniqueViolation, type Queryable } from "../storage/database.ts";
import { holdAppendLock, LOG_APPEND_LOCK } from "./log-order.ts";

/** A row of the region's log, ready to insert. */
export interface NewRecord {
  recordId: string;
  kind: "event" | "tender_result";
  originRegion: string;
  hash: string;
  body: string;
  storeId: string;
  registerId: string | null;
  seq: number | null;
  eventType: string | null;
  subjectEventId: string | null;
  tenderId: string | null;
}

export type StoreOutcome =
  | { status: "accepted" }
  | { status: "duplicate" }
  | { status: "rejected"; reason: "conflict" | "seq_conflict" | "result_conflict"; detail: string };

/** The log's columns a record fills, in NewRecord order: the insert's and the COPY's. */
const RECORD_COLUMNS =
  "records (record_id, kind, origin_region, content_hash, body, store_id, register_id, seq, event_type, subject_event_id, tender_id)";

/**
 * Fewer records than this go by the one INSERT … ON CONFLICT: COPY's savepoint and extra round
 * trip cost more than they save on a register's usual batch (a sale or two, every few seconds).
 */
export const COPY_FROM_RECORDS = 16;

/**
 * Stores each record exactly once, in the caller's transaction, with a fixed number of statements
 * whatever the batch size, and adds what it stored to the kept digest. Records must have distinct
 * ids and distinct (store, register, seq).
 */
export async function storeRecords(
  tx: Queryable,
  records: readonly NewRecord[],
  options: { likelyNew?: boolean } = {},
): Promise<StoreOutcome[]> {
  const outcomes: Array<StoreOutcome | undefined> = new Array(records.length);
  const all = records.map((_, i) => i);
  // Records the caller expects to be new (seqs above anything held) skip the look-up. Others are
  // looked up first, so a replay of known records answers without touching the log.
  const pending = options.likelyNew ? all : await settleKnown(tx, records, outcomes, all);
  if (pending.length === 0) return outcomes as StoreOutcome[];

  const rows = pending.map((i) => records[i] as NewRecord);
  // The rest are most likely new: one COPY. Should any be held after all (stored meanwhile, or not
  // looked up), the insert below decides each: ON CONFLICT skips it and the settle names it.
  if (rows.length >= COPY_FROM_RECORDS) {
    await holdAppendLock(tx);
    if (await copyAllNew(tx, rows)) {
      for (const i of pending) outcomes[i] = { status: "accepted" };
      await addToDigest(tx, rows);
      return outcomes as StoreOutcome[];
    }
  }
  const bodies = bodiesColumn(
    5,
    rows.map((r) => r.body),
  );
  // A register's batch (events only) takes the append lock and adds to the kept digest in the
  // insert's own statement, when every record went in: three round trips in one.
  const small = rows.length < COPY_FROM_RECORDS;
  const digest = small ? registerDigestParams(rows) : undefined;
  const foldsDigest = digest !== undefined && rows.every((r) => r.kind === "event");
  // The usual answer is "all of them": a count, not a row per record; the ids only when some were not inserted.
  const [inserted] = await tx.query<{ n: number; ids: string[] | null }>(insertSql(bodies.sql, small, foldsDigest), [
    arrayParam(rows.map((r) => r.recordId)),
    arrayParam(rows.map((r) => r.kind)),
    arrayParam(rows.map((r) => r.originRegion)),
    arrayParam(rows.map((r) => r.hash)),
    bodies.param,
    arrayParam(rows.map((r) => r.storeId)),
    arrayParam(rows.map((r) => r.registerId)),
    arrayParam(rows.map((r) => r.seq)),
    arrayParam(rows.map((r) => r.eventType)),
    arrayParam(rows.map((r) => r.subjectEventId)),
    arrayParam(rows.map((r) => r.tenderId)),
    rows.length,
    ...(small ? [LOG_APPEND_LOCK] : []),
    ...(foldsDigest ? digest : []),
  ]);
  const allInserted = Number(inserted?.n) === rows.length;
  const insertedIds = new Set((allInserted ? [] : (inserted?.ids ?? [])).map((id) => id.toLowerCase()));
  const raced: number[] = [];
  const appended: NewRecord[] = [];
  for (const i of pending) {
    const record = records[i] as NewRecord;
    if (allInserted || insertedIds.has(record.recordId.toLowerCase())) {
      outcomes[i] = { status: "accepted" };
      appended.push(record);
    } else raced.push(i);
  }
  // The kept digest (replication/digest.ts) commits with the records it counts; the insert added
  // them already if it could (every record inserted).
  if (!(foldsDigest && allInserted)) await addToDigest(tx, appended);
  if (raced.length > 0) {
    const left = await settleKnown(tx, records, outcomes, raced);
    if (left.length > 0) throw new Error(`${left.length} records were neither inserted nor found; the log is inconsistent`);
  }
  return outcomes as StoreOutcome[];
}

/**
 * The append's insert: parameters $1–$11 the columns, $12 how many records. With `locks`, $13 is
 * the log's append lock, taken in the statement before any position is drawn (the join with the
 * one-row lock CTE yields no row until the lock is held, and positions are drawn per joined row);
 * otherwise the caller holds it already (the COPY path). With `digest`, the next four parameters
 * (registerDigestParams) add the records to the kept digest, only if every one was inserted.
 */
function insertSql(bodiesSql: string, locks: boolean, digest: boolean): string {
  const columns = `unnest($1::uuid[], $2::text[], $3::text[], $4::text[], ${bodiesSql}, $6::text[], $7::text[], $8::bigint[], $9::text[], $10::uuid[], $11::text[])`;
  return `WITH ${locks ? "held AS MATERIALIZED (SELECT 1 AS held FROM (SELECT pg_advisory_xact_lock_shared($13)) l),\n" : ""}ins AS (
       INSERT INTO ${RECORD_COLUMNS}
       SELECT u.* FROM ${locks ? "held, " : ""}${columns} AS u
       ON CONFLICT DO NOTHING
       RETURNING record_id
     ),
     counted AS (SELECT count(*)::int AS n FROM ins)${
       digest
         ? `,
     digested AS (${registerDigestUpsert(locks ? 14 : 13, "(SELECT n FROM counted) = $12::int")})`
         : ""
     }
     SELECT (SELECT n FROM counted) AS n, CASE WHEN (SELECT n FROM counted) < $12::int THEN (SELECT array_agg(record_id::text) FROM ins) END AS ids`;
}

/**
 * The cheapest append, for records expected to be new: one COPY of them all, which the server
 * does in about two thirds of the work of INSERT … ON CONFLICT. COPY cannot skip a row that is
 * already held, so it runs under a savepoint: if any record was stored after all (a unique
 * violation), nothing of it stays and the caller takes the insert path. False also when a value
 * cannot travel as a COPY row.
 */
async function copyAllNew(tx: Queryable, records: readonly NewRecord[]): Promise<boolean> {
  const rows = copyRowsOf(records);
  if (rows === undefined) return false;
  await tx.query("SAVEPOINT append_by_copy");
  try {
    await tx.copyRows(RECORD_COLUMNS, rows);
    return true;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await tx.query("ROLLBACK TO SAVEPOINT append_by_copy");
    return false;
  }
}

/** What a COPY_ROW_FORMAT value cannot hold: its separators and quote, line ends (an empty string reads back as NULL). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: those control characters are the format's syntax
const NOT_COPYABLE = /[\u0001\u001f\n\r]/;

/** The records as COPY_ROW_FORMAT rows in RECORD_COLUMNS order, or undefined if some value could not be carried. */
export function copyRowsOf(records: readonly NewRecord[]): string | undefined {
  let rows = "";
  for (const r of records) {
    const values = [
      r.recordId,
      r.kind,
      r.originRegion,
      r.hash,
      r.body,
      r.storeId,
      r.registerId,
      r.seq,
      r.eventType,
      r.subjectEventId,
      r.tenderId,
    ];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === "string" && (v.length === 0 || NOT_COPYABLE.test(v))) return undefined;
      if (typeof v === "number" && !Number.isSafeInteger(v)) return undefined;
      rows += v === null ? "" : v;
      rows += i < values.length - 1 ? "\u001f" : "\n";
    }
  }
  return rows;
}

/** Decides the records (by index) the database already knows about; returns the indexes still undecided. */
async function settleKnown(
  tx: Queryable,
  records: readonly NewRecord[],
  outcomes: Array<StoreOutcome | undefined>,
  indexes: readonly number[],
): Promise<number[]> {
  const pick = <T>(f: (r: NewRecord) => T) => indexes.map((i) => f(records[i] as NewRecord));
  // One statement for the three ways a record can already be known: its id, its register seq, its
  // tender result. A record found by its id is decided by that alone (same content: duplicate, else
  // conflict), so only the others are looked up by seq or result: a replay costs one probe a record.
  const known = await tx.query<{ k: "id" | "seq" | "result"; i: number; record_id: string; content_hash: string }>(
    `WITH k AS (
       SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::uuid[], $8::text[])
         AS k(i, record_id, kind, store_id, register_id, seq, subject_event_id, tender_id)
     ),
     by_id AS (SELECT k.i, r.record_id, r.content_hash FROM k JOIN records r ON r.record_id = k.record_id),
     rest AS (SELECT * FROM k WHERE NOT EXISTS (SELECT 1 FROM by_id WHERE by_id.i = k.i))
     SELECT 'id' AS k, i, record_id::text, content_hash FROM by_id
     UNION ALL
     SELECT 'seq', k.i, r.record_id::text, r.content_hash FROM rest k JOIN records r
       ON k.kind = 'event' AND r.kind = 'event' AND r.store_id = k.store_id AND r.register_id = k.register_id AND r.seq = k.seq
     UNION ALL
     SELECT 'result', k.i, r.record_id::text, r.content_hash FROM rest k JOIN records r
       ON k.kind = 'tender_result' AND r.kind = 'tender_result' AND r.subject_event_id = k.subject_event_id AND r.tender_id = k.tender_id`,
    [
      [...indexes],
      pick((r) => r.recordId),
      pick((r) => r.kind),
      pick((r) => r.storeId),
      pick((r) => r.registerId),
      pick((r) => r.seq),
      pick((r) => r.subjectEventId),
      pick((r) => r.tenderId),
    ],
  );
  const byId = new Map<number, string>();
  const owner = new Map<number, string>();
  for (const row of known) {
    if (row.k === "id") byId.set(Number(row.i), row.content_hash);
    else owner.set(Number(row.i), row.record_id);
  }
  const undecided: number[] = [];
  for (const i of indexes) {
    const record = records[i] as NewRecord;
    const stored = byId.get(i);
    const taken = owner.get(i);
    if (stored !== undefined) {
      outcomes[i] =
        stored === record.hash
          ? { status: "duplicate" }
          : {
              status: "rejected",
              reason: "conflict",
              detail: "this eventId is already stored with different content; an event is never overwritten",
            };
    } else if (taken === undefined) {
      undecided.push(i);
    } else if (record.kind === "event") {
      outcomes[i] = {
        status: "rejected",
        reason: "seq_conflict",
        detail: `seq ${record.seq} of register ${record.registerId} already belongs to event ${taken} (a cloned or restored register?)`,
      };
    } else {
      outcomes[i] = {
        status: "rejected",
        reason: "result_conflict",
        detail: `tender ${record.tenderId} of event ${record.subjectEventId} already has result ${taken}`,
      };
    }
  }
  return undecided;
}

/** Between two bodies: a control character, which canonical JSON never holds unescaped. */
const RECORD_SEPARATOR = "\u001e";

/**
 * The bodies column of an insert, given as parameter $n: usually one text joined by
 * RECORD_SEPARATOR that the server splits, so half a megabyte of JSON per batch is neither quoted
 * nor escaped on either side as an array literal would be. Any body that the separator could not
 * carry (empty, or holding one: never a canonical body, but a peer's record is stored as it came)
 * makes the whole column a plain text[] for the driver to encode.
 */
export function bodiesColumn(n: number, bodies: readonly string[]): { sql: string; param: string | readonly string[] } {
  const joinable = bodies.every((body) => body.length > 0 && !body.includes(RECORD_SEPARATOR));
  return joinable
    ? { sql: `string_to_array($${n}::text, chr(30))`, param: bodies.join(RECORD_SEPARATOR) }
    : { sql: `$${n}::text[]`, param: bodies };
}

/** What JSON.stringify would write as an escape sequence, which an array literal would read otherwise. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes
const JSON_ESCAPED = /[\u0000-\u001f\ud800-\udfff]/;

/**
 * A one-dimensional array parameter (uuid[], text[], bigint[]) as one literal written natively by
 * JSON.stringify (strings quoted with `"` and `\` escaped, null as NULL, numbers as digits), when no
 * string holds a character JSON would escape differently; otherwise the array itself, for the
 * driver to encode. Saves the driver's per-element work on every column of a 500-row insert.
 */
export function arrayParam(values: ReadonlyArray<string | number | null>): string | ReadonlyArray<string | number | null> {
  for (const v of values) {
    if (typeof v === "string" ? JSON_ESCAPED.test(v) : typeof v === "number" && !Number.isFinite(v)) return values;
  }
  return `{${JSON.stringify(values).slice(1, -1)}}`;
}
