import { z } from "zod";

/**
 * The wire contract between the sync engine and a region (docs/ARCHITECTURE.md). Events in a
 * batch are validated one by one by the region, so one bad event is rejected without sinking the rest.
 */
export const EventBatchSchema = z.object({
  storeId: z.string().min(1, "storeId is required").max(64),
  registerId: z.string().min(1, "registerId is required").max(64),
  events: z.array(z.unknown()).min(1, "a batch needs at least one event").max(5000, "a batch holds at most 5000 events"),
});
export type EventBatch = z.infer<typeof EventBatchSchema>;

export type EventOutcome = "accepted" | "duplicate" | "rejected";

export interface EventResult {
  eventId: string;
  status: EventOutcome;
  /** Why an event was rejected: `invalid`, `conflict`, `seq_conflict`, `pan_detected`, `wrong_store` … */
  reason?: string;
  detail?: string;
}

export interface Watermark {
  /** Every seq 1..contiguousSeq of this register is held by the region. */
  contiguousSeq: number;
  /** Every seq 1..replicatedSeq is held here and by every peer region. */
  replicatedSeq: number;
  /** Missing ranges above contiguousSeq, inclusive. */
  gaps: Array<{ from: number; to: number }>;
}

export interface BatchResponse {
  region: string;
  results: EventResult[];
  watermark: Watermark;
}

export interface HealthResponse {
  region: string;
  status: "ok" | "degraded";
  [key: string]: unknown;
}

export interface FeedItem {
  cursor: string;
  region: string;
  ingestedAt: string;
  event: unknown;
  reconciliation: unknown;
}

export interface FeedResponse {
  items: FeedItem[];
  nextCursor: string;
}
