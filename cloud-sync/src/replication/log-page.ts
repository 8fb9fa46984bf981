import { fail, type LogEpochChanged, type LogPage } from "@tenderline/shared";
import { committedHorizon } from "../ingest/log-order.ts";
import type { Database } from "../storage/database.ts";
import { type LogEpoch, listEpochs, resumeFrom, rotateEpoch } from "./log-epochs.ts";

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

/** Where the puller's cursor stands: the epoch it was read in and the record at it (both absent from an old puller). */
export interface PullPosition {
  epoch?: string | undefined;
  afterRecord?: string | undefined;
  /** Healing: the requester lost records, its own included; send them too. */
  includeOwn?: boolean;
}

function epochChanged(now: LogEpoch): never {
  return fail(
    409,
    "log_epoch_changed",
    `this region's log was rewound (epoch ${now.epoch} starts after position ${now.startsAfter}: ${now.reason}); re-scan it from 0`,
    { details: { epoch: now.epoch, startsAfter: now.startsAfter } satisfies LogEpochChanged },
  );
}

/**
 * Checks a puller's cursor against this log's history. A cursor from an earlier epoch that this
 * history no longer shares is told so (409 log_epoch_changed). A cursor of the current epoch whose
 * record is not here, or not at that position, means this log was rewound without anyone saying
 * so (restored, a database that lost its tail): a new epoch starts now, and the puller is told.
 */
export async function checkPullPosition(db: Database, requester: string, after: number, at: PullPosition): Promise<LogEpoch> {
  const epochs = await listEpochs(db);
  const now = epochs.at(-1) as LogEpoch;
  if (at.epoch !== undefined && at.epoch !== now.epoch) {
    if (!resumeFrom(epochs, at.epoch, after).valid) epochChanged(now);
    return now;
  }
  if (after > 0 && at.afterRecord !== undefined) {
    const [row] = await db.query<{ record_id: string }>("SELECT record_id::text FROM records WHERE pos = $1", [after]);
    if (row?.record_id !== at.afterRecord) {
      const why = `peer ${requester} had read this log up to position ${after}, which ${row ? "now holds another record" : "is not in it"}: the log was rewound`;
      // Found while running: records may have been written since the rewind, at positions readers
      // had read before, so only the start of the current epoch is known to be shared.
      epochChanged(await rotateEpoch(db, why, now, now.startsAfter));
    }
  }
  return now;
}

/**
 * A page of this region's log after `after`, for peer `requester`. Records that came from the
 * requester are left out (it has them) unless it is healing, but their registers' watermarks are
 * reported, so the requester learns that this region now holds what it wrote: that is what
 * replicatedSeq needs.
 */
export async function readLogPage(
  db: Database,
  region: string,
  requester: string,
  after: number,
  limit: number,
  at: PullPosition = {},
): Promise<LogPage> {
  const epoch = await checkPullPosition(db, requester, after, at);
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
    epoch: epoch.epoch,
    cursorRecord: last ? last.record_id : (at.afterRecord ?? null),
    records: rows
      .filter((r) => at.includeOwn || r.origin_region !== requester)
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
