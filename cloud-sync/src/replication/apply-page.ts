import { holdsPan, sha256Hex } from "@tenderline/shared";
import { raiseExceptions } from "../exceptions/exception-store.ts";
import { type NewRecord, type StoreOutcome, storeRecords } from "../ingest/store-records.ts";
import { advanceWatermarks, lockRegisters, type RegisterKey } from "../ingest/watermark.ts";
import type { Database } from "../storage/database.ts";
import type { LogPage } from "./log-page.ts";

export interface ApplySummary {
  accepted: number;
  duplicate: number;
  rejected: number;
}

/**
 * Applies one page pulled from `peer`, in one transaction: its records stored once each (the
 * origin region kept), registers' watermarks advanced, the peer's watermarks and our cursor saved.
 * A record that clashes with what we hold is never overwritten: it becomes a replication_conflict.
 */
export async function applyPage(db: Database, peer: string, page: LogPage): Promise<ApplySummary> {
  const records: NewRecord[] = [];
  /** Records not stored, and why: each becomes a replication_conflict. */
  const refused: Array<{ recordId: string; reason: string; message: string }> = [];
  for (const r of page.records) {
    // The bytes must still be what was hashed at the origin.
    if (sha256Hex(r.body) !== r.hash) {
      refused.push({
        recordId: r.recordId,
        reason: "hash_mismatch",
        message: "the record's bytes do not match its content hash",
      });
      continue;
    }
    // A peer is checked like any other input: a card number is never stored, whoever sends it.
    if (holdsPan(JSON.parse(r.body))) {
      refused.push({
        recordId: r.recordId,
        reason: "pan_detected",
        message: "the record holds a full card number, so it was not stored here",
      });
      continue;
    }
    records.push({
      recordId: r.recordId,
      kind: r.kind,
      originRegion: r.originRegion,
      hash: r.hash,
      body: r.body,
      storeId: r.storeId,
      registerId: r.registerId,
      seq: r.seq,
      eventType: r.eventType,
      subjectEventId: r.subjectEventId,
      tenderId: r.tenderId,
    });
  }
  return db.transaction(async (tx) => {
    await lockRegisters(tx, registersOf(records));
    const outcomes: StoreOutcome[] = records.length > 0 ? await storeRecords(tx, records) : [];
    const summary: ApplySummary = { accepted: 0, duplicate: 0, rejected: refused.length };
    for (const o of outcomes) summary[o.status]++;
    // "Seen" here means heard of through any region: the store-silent rule looks at every path.
    await advanceWatermarks(tx, registersOf(records.filter((_, i) => outcomes[i]?.status === "accepted")), true);
    await raiseExceptions(tx, [
      ...outcomes.flatMap((o, i) => {
        if (o.status !== "rejected") return [];
        const r = records[i] as NewRecord;
        return [
          {
            key: `replication_conflict:${r.recordId}`,
            kind: "replication_conflict" as const,
            storeId: r.storeId,
            subject: r.recordId,
            detail: { peer, reason: o.reason, message: o.detail, registerId: r.registerId, seq: r.seq },
          },
        ];
      }),
      ...refused.map(({ recordId, reason, message }) => ({
        key: `replication_conflict:${recordId}`,
        kind: "replication_conflict" as const,
        storeId: null,
        subject: recordId,
        detail: { peer, reason, message },
      })),
    ]);
    if (page.watermarks.length > 0) {
      await tx.query(
        `INSERT INTO peer_watermarks (peer, store_id, register_id, contiguous_seq)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])
         ON CONFLICT (peer, store_id, register_id) DO UPDATE SET
           contiguous_seq = GREATEST(peer_watermarks.contiguous_seq, EXCLUDED.contiguous_seq)`,
        [
          peer,
          page.watermarks.map((w) => w.storeId),
          page.watermarks.map((w) => w.registerId),
          page.watermarks.map((w) => w.contiguousSeq),
        ],
      );
    }
    // The cursor only moves forward (instances of one region may pull at once); the record at it
    // and the epoch it was read in go with it, so a peer whose log was rewound is found out.
    await tx.query(
      `INSERT INTO peer_cursors (peer, cursor, peer_head, lag_events, pending_since, last_success_at, last_attempt_at, last_error,
                                 epoch, cursor_record)
       VALUES ($1, $2::bigint, $3::bigint, GREATEST($3::bigint - $2::bigint, 0), $4::timestamptz, now(), now(), NULL, $5, $6)
       ON CONFLICT (peer) DO UPDATE SET
         cursor_record = CASE WHEN EXCLUDED.cursor >= peer_cursors.cursor THEN EXCLUDED.cursor_record ELSE peer_cursors.cursor_record END,
         cursor = GREATEST(peer_cursors.cursor, EXCLUDED.cursor), peer_head = EXCLUDED.peer_head,
         lag_events = GREATEST(EXCLUDED.peer_head - GREATEST(peer_cursors.cursor, EXCLUDED.cursor), 0),
         pending_since = EXCLUDED.pending_since, last_success_at = now(), last_attempt_at = now(), last_error = NULL,
         epoch = COALESCE(EXCLUDED.epoch, peer_cursors.epoch)`,
      [peer, page.nextCursor, page.head, page.pendingSince, page.epoch ?? null, page.cursorRecord ?? null],
    );
    return summary;
  });
}

/** Notes a failed pull (peer unreachable or answering badly) without moving the cursor. */
export async function recordPullFailure(db: Database, peer: string, message: string): Promise<void> {
  await db.query(
    `INSERT INTO peer_cursors (peer, last_attempt_at, last_error) VALUES ($1, now(), $2)
     ON CONFLICT (peer) DO UPDATE SET last_attempt_at = now(), last_error = EXCLUDED.last_error`,
    [peer, message.slice(0, 500)],
  );
}

/** The registers whose events are among the records, each once. */
function registersOf(records: readonly NewRecord[]): RegisterKey[] {
  const keys = new Map<string, RegisterKey>();
  for (const r of records) {
    if (r.kind === "event" && r.registerId !== null)
      keys.set(`${r.storeId}\u0000${r.registerId}`, { storeId: r.storeId, registerId: r.registerId });
  }
  return [...keys.values()];
}
