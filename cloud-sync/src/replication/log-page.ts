import type { LogPage } from "@tenderline/shared";
import { committedHorizon } from "../ingest/log-order.ts";
import type { Database } from "../storage/database.ts";

export { type LogPage, LogPageSchema, type LogRecord, LogRecordSchema } from "@tenderline/shared";

interface Row {
  pos: number;
  record_id: string;
  kind: "event" | "tender_result";
  origin_region: string;
  content_hash: string;
  body: string;
  store_id: string;
  register_id: string | null;
  seq: number | null;
  event_type: string | null;
  subject_event_id: string | null;
  tender_id: string | null;
}

/**
 * A page of this region's log after `after`, for peer `requester`. Records that came from the
 * requester are left out (it has them), but their registers' watermarks are reported, so the
 * requester learns that this region now holds what it wrote: that is what replicatedSeq needs.
 */
export async function readLogPage(
  db: Database,
  region: string,
  requester: string,
  after: number,
  limit: number,
): Promise<LogPage> {
  const horizon = await committedHorizon(db);
  const rows = await db.query<Row>(
    `SELECT pos, record_id::text, kind, origin_region, content_hash, body, store_id, register_id, seq, event_type,
            subject_event_id::text, tender_id
     FROM records WHERE pos > $1 AND pos <= $3 ORDER BY pos LIMIT $2`,
    [after, limit, horizon],
  );
  const last = rows.at(-1);
  const nextCursor = last ? Number(last.pos) : after;
  // The horizon is the highest committed position: the head a peer can read up to.
  const [meta] = await db.query<{ pending_since: Date | string | null }>(
    "SELECT ingested_at AS pending_since FROM records WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT 1",
    [nextCursor, horizon],
  );
  const registers = new Map<string, { storeId: string; registerId: string }>();
  for (const r of rows) {
    if (r.kind === "event" && r.register_id !== null)
      registers.set(`${r.store_id}\u0000${r.register_id}`, { storeId: r.store_id, registerId: r.register_id });
  }
  const keys = [...registers.values()];
  const marks =
    keys.length === 0
      ? []
      : await db.query<{ store_id: string; register_id: string; contiguous_seq: number }>(
          `SELECT s.store_id, s.register_id, s.contiguous_seq FROM register_state s
           JOIN unnest($1::text[], $2::text[]) AS k(store_id, register_id) ON s.store_id = k.store_id AND s.register_id = k.register_id`,
          [keys.map((k) => k.storeId), keys.map((k) => k.registerId)],
        );
  return {
    region,
    records: rows
      .filter((r) => r.origin_region !== requester)
      .map((r) => ({
        pos: Number(r.pos),
        recordId: r.record_id,
        kind: r.kind,
        originRegion: r.origin_region,
        hash: r.content_hash,
        body: r.body,
        storeId: r.store_id,
        registerId: r.register_id,
        seq: r.seq === null ? null : Number(r.seq),
        eventType: r.event_type,
        subjectEventId: r.subject_event_id,
        tenderId: r.tender_id,
      })),
    nextCursor,
    head: horizon,
    pendingSince: meta?.pending_since ? new Date(meta.pending_since).toISOString() : null,
    watermarks: marks.map((m) => ({ storeId: m.store_id, registerId: m.register_id, contiguousSeq: Number(m.contiguous_seq) })),
  };
}
