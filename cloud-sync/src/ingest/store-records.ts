import type { Queryable } from "../storage/database.ts";

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

/**
 * Serialises the transactions that append to the log so `pos` order is commit order: a feed or
 * replication reader that has seen pos N never later finds a smaller pos appear.
 */
const LOG_APPEND_LOCK = 74_310_002;

/**
 * Stores each record exactly once, in the caller's transaction, with a fixed number of statements
 * whatever the batch size. Records must have distinct ids and distinct (store, register, seq).
 */
export async function storeRecords(tx: Queryable, records: readonly NewRecord[]): Promise<StoreOutcome[]> {
  const outcomes: Array<StoreOutcome | undefined> = new Array(records.length);
  let pending = await settleKnown(
    tx,
    records,
    outcomes,
    records.map((_, i) => i),
  );
  if (pending.length === 0) return outcomes as StoreOutcome[];

  await tx.query("SELECT pg_advisory_xact_lock($1)", [LOG_APPEND_LOCK]);
  // Someone may have stored these between our look-up and the lock: look again, now that they committed.
  pending = await settleKnown(tx, records, outcomes, pending);
  if (pending.length === 0) return outcomes as StoreOutcome[];

  const rows = pending.map((i) => records[i] as NewRecord);
  const inserted = await tx.query<{ record_id: string }>(
    `INSERT INTO records (record_id, kind, origin_region, content_hash, body, store_id, register_id, seq, event_type, subject_event_id, tender_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::uuid[], $11::text[])
     ON CONFLICT DO NOTHING
     RETURNING record_id::text`,
    [
      rows.map((r) => r.recordId),
      rows.map((r) => r.kind),
      rows.map((r) => r.originRegion),
      rows.map((r) => r.hash),
      rows.map((r) => r.body),
      rows.map((r) => r.storeId),
      rows.map((r) => r.registerId),
      rows.map((r) => r.seq),
      rows.map((r) => r.eventType),
      rows.map((r) => r.subjectEventId),
      rows.map((r) => r.tenderId),
    ],
  );
  const insertedIds = new Set(inserted.map((r) => r.record_id.toLowerCase()));
  const raced: number[] = [];
  for (const i of pending) {
    if (insertedIds.has((records[i] as NewRecord).recordId.toLowerCase())) outcomes[i] = { status: "accepted" };
    else raced.push(i);
  }
  if (raced.length > 0) {
    const left = await settleKnown(tx, records, outcomes, raced);
    if (left.length > 0) throw new Error(`${left.length} records were neither inserted nor found; the log is inconsistent`);
  }
  return outcomes as StoreOutcome[];
}

/** Decides the records (by index) the database already knows about; returns the indexes still undecided. */
async function settleKnown(
  tx: Queryable,
  records: readonly NewRecord[],
  outcomes: Array<StoreOutcome | undefined>,
  indexes: readonly number[],
): Promise<number[]> {
  const byId = await tx.query<{ record_id: string; content_hash: string }>(
    "SELECT record_id::text, content_hash FROM records WHERE record_id = ANY($1::uuid[])",
    [indexes.map((i) => (records[i] as NewRecord).recordId)],
  );
  const hashById = new Map(byId.map((r) => [r.record_id.toLowerCase(), r.content_hash]));
  const rest: number[] = [];
  for (const i of indexes) {
    const record = records[i] as NewRecord;
    const stored = hashById.get(record.recordId.toLowerCase());
    if (stored === undefined) rest.push(i);
    else if (stored === record.hash) outcomes[i] = { status: "duplicate" };
    else
      outcomes[i] = {
        status: "rejected",
        reason: "conflict",
        detail: "this eventId is already stored with different content; an event is never overwritten",
      };
  }
  if (rest.length === 0) return rest;

  const events = rest.filter((i) => records[i]?.kind === "event");
  const seqOwners =
    events.length === 0
      ? []
      : await tx.query<{ store_id: string; register_id: string; seq: number; record_id: string }>(
          `SELECT r.store_id, r.register_id, r.seq, r.record_id::text FROM records r
           JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS k(store_id, register_id, seq)
             ON r.store_id = k.store_id AND r.register_id = k.register_id AND r.seq = k.seq
           WHERE r.kind = 'event'`,
          [events.map((i) => records[i]?.storeId), events.map((i) => records[i]?.registerId), events.map((i) => records[i]?.seq)],
        );
  const ownerBySeq = new Map(seqOwners.map((r) => [`${r.store_id}\u0000${r.register_id}\u0000${Number(r.seq)}`, r.record_id]));

  const results = rest.filter((i) => records[i]?.kind === "tender_result");
  const resultOwners =
    results.length === 0
      ? []
      : await tx.query<{ subject_event_id: string; tender_id: string; record_id: string }>(
          `SELECT r.subject_event_id::text, r.tender_id, r.record_id::text FROM records r
           JOIN unnest($1::uuid[], $2::text[]) AS k(subject_event_id, tender_id)
             ON r.subject_event_id = k.subject_event_id AND r.tender_id = k.tender_id
           WHERE r.kind = 'tender_result'`,
          [results.map((i) => records[i]?.subjectEventId), results.map((i) => records[i]?.tenderId)],
        );
  const ownerByTender = new Map(
    resultOwners.map((r) => [`${r.subject_event_id.toLowerCase()}\u0000${r.tender_id}`, r.record_id]),
  );

  const undecided: number[] = [];
  for (const i of rest) {
    const record = records[i] as NewRecord;
    if (record.kind === "event") {
      const owner = ownerBySeq.get(`${record.storeId}\u0000${record.registerId}\u0000${record.seq}`);
      if (owner === undefined) undecided.push(i);
      else
        outcomes[i] = {
          status: "rejected",
          reason: "seq_conflict",
          detail: `seq ${record.seq} of register ${record.registerId} already belongs to event ${owner} (a cloned or restored register?)`,
        };
    } else {
      const owner = ownerByTender.get(`${record.subjectEventId?.toLowerCase()}\u0000${record.tenderId}`);
      if (owner === undefined) undecided.push(i);
      else
        outcomes[i] = {
          status: "rejected",
          reason: "result_conflict",
          detail: `tender ${record.tenderId} of event ${record.subjectEventId} already has result ${owner}`,
        };
    }
  }
  return undecided;
}
