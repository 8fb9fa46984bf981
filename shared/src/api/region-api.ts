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

export const EVENT_OUTCOMES = ["accepted", "duplicate", "rejected"] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/** What the region did with one event of a batch. */
export const EventResultSchema = z.object({
  eventId: z.string(),
  status: z.enum(EVENT_OUTCOMES),
  /** Why an event was rejected: `invalid`, `conflict`, `seq_conflict`, `pan_detected`, `wrong_store` … */
  reason: z.string().optional(),
  detail: z.string().optional(),
  /** The event's position in the batch (the region always sends it). */
  index: z.number().int().nonnegative().optional(),
  /** 422 for an event refused for what it contains (a card number, wrong arithmetic): retrying it can never succeed. */
  httpStatus: z.number().int().optional(),
});
export type EventResult = z.infer<typeof EventResultSchema>;

/** Missing seqs of a register, inclusive. */
export const SeqGapSchema = z.object({ from: z.number().int(), to: z.number().int() });

export const WatermarkSchema = z.object({
  /** Every seq 1..contiguousSeq of this register is held by the region. */
  contiguousSeq: z.number().int().nonnegative(),
  /** Every seq 1..replicatedSeq is held here and by every peer region. */
  replicatedSeq: z.number().int().nonnegative(),
  /** Missing ranges above contiguousSeq, inclusive. */
  gaps: z.array(SeqGapSchema),
});
export type Watermark = z.infer<typeof WatermarkSchema>;

/** `POST /v1/events/batch`: one result per event, in the batch's order, and the register's watermark after it. */
export const BatchResponseSchema = z.object({
  region: z.string(),
  results: z.array(EventResultSchema),
  watermark: WatermarkSchema,
});
export type BatchResponse = z.infer<typeof BatchResponseSchema>;

/** `GET /v1/stores/:storeId/registers/:registerId`: what the region holds of one register. */
export const RegisterStatusSchema = z.object({
  region: z.string(),
  storeId: z.string(),
  registerId: z.string(),
  contiguousSeq: z.number().int().nonnegative(),
  replicatedSeq: z.number().int().nonnegative(),
  /** The highest seq held (above contiguousSeq when there are gaps). */
  maxSeq: z.number().int().nonnegative(),
  gaps: z.array(SeqGapSchema),
  lastSeenAt: z.string(),
});
export type RegisterStatus = z.infer<typeof RegisterStatusSchema>;
