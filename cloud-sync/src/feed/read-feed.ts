import { EPOCH_FEED_CURSOR, type FeedCursorStale, type FeedItem, fail } from "@tenderline/shared";
import { committedHorizon } from "../ingest/log-order.ts";
import type { Logger } from "../logging/logger.ts";
import { type LogEpoch, listEpochs, mayRepeat, resumeFrom } from "../replication/log-epochs.ts";
import type { Database } from "../storage/database.ts";
import { reconciliationState } from "./reconciliation-state.ts";

export const FEED_MAX_LIMIT = 1000;

export interface RegionFeedItem extends FeedItem {
  kind: "event" | "tender_result";
  originRegion: string;
}

export interface RegionFeedResponse {
  items: RegionFeedItem[];
  nextCursor: string;
  epoch: string;
}

/**
 * A feed cursor: `epoch.pos.check` (check: the last 8 characters of the record id at pos), or a
 * plain position from before epochs (read as the log's first epoch, unchecked).
 */
export interface FeedCursor {
  epoch: string | null;
  pos: number;
  check: string | null;
}

/** The cursor a consumer sent, or null when it is not one (the caller says so, without repeating it). */
export function parseFeedCursor(text: string): FeedCursor | null {
  if (/^\d{1,15}$/.test(text)) return { epoch: null, pos: Number(text), check: null };
  const m = EPOCH_FEED_CURSOR.exec(text);
  return m ? { epoch: m[1] as string, pos: Number(m[2]), check: m[3] ?? null } : null;
}

export function formatFeedCursor(epoch: string, pos: number, recordId: string): string {
  return `${epoch}.${pos}.${recordId.replace(/-/g, "").slice(-8)}`;
}

function stale(now: LogEpoch, from: number, why: string): never {
  return fail(
    409,
    "feed_cursor_stale",
    `${why}; resume from details.resumeCursor (nothing is skipped that way; items that may repeat carry mayRepeat, and event ids tell them apart)`,
    { details: { epoch: now.epoch, resumeCursor: from === 0 ? "0" : `${now.epoch}.${from}.` } satisfies FeedCursorStale },
  );
}

interface Row {
  pos: number;
  kind: "event" | "tender_result";
  origin_region: string;
  ingested_at: Date | string;
  body: string;
  results: string[] | null;
}

/**
 * The consumer feed: records in this region's ingest order after `after`. An event comes with the
 * reconciliation state of its tenders as known now; a reconciliation result decided later appears
 * as its own item (kind `tender_result`, `event: null`), so a consumer that already read the event learns of it.
 */
export async function readFeed(
  db: Database,
  region: string,
  cursor: FeedCursor,
  limit: number,
  logger?: Logger,
): Promise<RegionFeedResponse> {
  const epochs = await listEpochs(db);
  const now = epochs.at(-1) as LogEpoch;
  const readIn = cursor.epoch ?? (epochs[0] as LogEpoch).epoch;
  const resume = resumeFrom(epochs, readIn, cursor.pos);
  if (!resume.valid)
    stale(now, resume.from, `this region's log was rewound since that cursor was read (epoch ${now.epoch}: ${now.reason})`);
  // Any epoch's cursor names the record it was read at: one that is not there means a rewind no epoch records yet.
  if (cursor.pos > 0 && cursor.check !== null) {
    const [at] = await db.query<{ record_id: string }>("SELECT record_id::text FROM records WHERE pos = $1", [cursor.pos]);
    if (!at?.record_id.replace(/-/g, "").endsWith(cursor.check)) {
      // The log lost what this consumer read, and no epoch says so yet: the start of this epoch is the last point both share.
      logger?.warn(
        { pos: cursor.pos, epoch: now.epoch },
        "a feed cursor names a record this log does not hold: was it restored?",
      );
      stale(now, now.startsAfter, "the record this cursor was read at is not in this region's log (it may have been restored)");
    }
  }
  const after = cursor.pos;
  const horizon = await committedHorizon(db);
  const rows = await db.query<Row & { record_id: string }>(
    `SELECT r.pos, r.record_id::text, r.kind, r.origin_region, r.ingested_at, r.body,
       (SELECT array_agg(t.body ORDER BY t.pos) FROM records t
        WHERE r.kind = 'event' AND t.kind = 'tender_result' AND t.subject_event_id = r.record_id) AS results
     FROM records r WHERE r.pos > $1 AND r.pos <= $3 ORDER BY r.pos LIMIT $2`,
    [after, limit, horizon],
  );
  const items = rows.map((row): RegionFeedItem => {
    const body = JSON.parse(row.body) as unknown;
    const isEvent = row.kind === "event";
    const ingestedAt = new Date(row.ingested_at).toISOString();
    return {
      cursor: formatFeedCursor(now.epoch, Number(row.pos), row.record_id),
      ...(mayRepeat(now, Number(row.pos), isEvent ? occurredAt(body) : null, ingestedAt) ? { mayRepeat: true as const } : {}),
      region,
      originRegion: row.origin_region,
      kind: row.kind,
      ingestedAt,
      event: isEvent ? body : null,
      reconciliation: isEvent
        ? reconciliationState(
            body,
            (row.results ?? []).map((r) => JSON.parse(r) as unknown),
          )
        : body,
    };
  });
  const last = rows.at(-1);
  const nextCursor = last
    ? formatFeedCursor(now.epoch, Number(last.pos), last.record_id)
    : cursor.epoch === null
      ? String(after)
      : `${now.epoch}.${after}.${cursor.check ?? ""}`;
  return { items, nextCursor, epoch: now.epoch };
}

function occurredAt(event: unknown): string | null {
  const at = (event as { occurredAt?: unknown } | null)?.occurredAt;
  return typeof at === "string" ? at : null;
}
