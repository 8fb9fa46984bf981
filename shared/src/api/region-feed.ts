import { z } from "zod";

/**
 * One record of the consumer feed, in the region's ingest order. An event comes with the
 * reconciliation state of its tenders; a result decided later is its own item (kind
 * `tender_result`, `event: null`, the result in `reconciliation`).
 */
export const FeedItemSchema = z.object({
  cursor: z.string(),
  region: z.string(),
  originRegion: z.string(),
  kind: z.enum(["event", "tender_result"]),
  ingestedAt: z.string(),
  /** The event as the register sent it (the event envelope), or null for a tender result. */
  event: z.unknown(),
  /** For an event, its tenders' reconciliation state `{ state, tenders }` (null when it has none); for a tender result, the result. */
  reconciliation: z.unknown(),
});
export type FeedItem = z.infer<typeof FeedItemSchema>;

/** `GET /v1/feed?after=&limit=`: continue with `after=nextCursor`. */
export const FeedResponseSchema = z.object({
  items: z.array(FeedItemSchema),
  nextCursor: z.string(),
});
export type FeedResponse = z.infer<typeof FeedResponseSchema>;
