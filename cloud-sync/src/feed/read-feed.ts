import type { FeedItem } from "@tenderline/shared";
import { committedHorizon } from "../ingest/log-order.ts";
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
export async function readFeed(db: Database, region: string, after: number, limit: number): Promise<RegionFeedResponse> {
  const horizon = await committedHorizon(db);
  const rows = await db.query<Row>(
    `SELECT r.pos, r.kind, r.origin_region, r.ingested_at, r.body,
       (SELECT array_agg(t.body ORDER BY t.pos) FROM records t
        WHERE r.kind = 'event' AND t.kind = 'tender_result' AND t.subject_event_id = r.record_id) AS results
     FROM records r WHERE r.pos > $1 AND r.pos <= $3 ORDER BY r.pos LIMIT $2`,
    [after, limit, horizon],
  );
  const items = rows.map((row): RegionFeedItem => {
    const body = JSON.parse(row.body) as unknown;
    const isEvent = row.kind === "event";
    return {
      cursor: String(row.pos),
      region,
      originRegion: row.origin_region,
      kind: row.kind,
      ingestedAt: new Date(row.ingested_at).toISOString(),
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
  return { items, nextCursor: String(last ? last.pos : after) };
}
