import { z } from "zod";

/**
 * One record of the consumer feed, in the region's ingest order. An event comes with the
 * reconciliation state of its tenders; a result decided later is its own item (kind
 * `tender_result`, `event: null`, the result in `reconciliation`).
 */
export const FeedItemSchema = z.object({
  /** `epoch.pos.check`: resume after this item. Opaque to consumers; a plain number is a cursor from before epochs. */
  cursor: z.string(),
  region: z.string(),
  originRegion: z.string(),
  kind: z.enum(["event", "tender_result"]),
  ingestedAt: z.string(),
  /** The event as the register sent it (the event envelope), or null for a tender result. */
  event: z.unknown(),
  /** For an event, its tenders' reconciliation state `{ state, tenders }` (null when it has none); for a tender result, the result. */
  reconciliation: z.unknown(),
  /**
   * Set after the region's log was rewound (a restore): this record may have been delivered
   * before, in the earlier history. De-duplicate by the event's `eventId` (a tender result by
   * its event id and tender id).
   */
  mayRepeat: z.literal(true).optional(),
});
export type FeedItem = z.infer<typeof FeedItemSchema>;

/**
 * `GET /v1/feed?after=&limit=`: continue with `after=nextCursor`.
 *
 * The resume protocol: a cursor belongs to one history of the region's log (its epoch). When the
 * log has been rewound since (restored from a backup, a database that lost its tail), the region
 * answers 409 `feed_cursor_stale` with `details.resumeCursor`: read on from there. Nothing is
 * skipped that way; items that may have been delivered before carry `mayRepeat: true`, and the
 * event id tells a repeat.
 */
export const FeedResponseSchema = z.object({
  items: z.array(FeedItemSchema),
  nextCursor: z.string(),
  /** The log's current epoch (changes when its history was rewound). */
  epoch: z.string().optional(),
});

/** The 409 `feed_cursor_stale` answer's details. */
export const FeedCursorStaleSchema = z.object({
  epoch: z.string(),
  resumeCursor: z.string(),
});
export type FeedCursorStale = z.infer<typeof FeedCursorStaleSchema>;
export type FeedResponse = z.infer<typeof FeedResponseSchema>;
