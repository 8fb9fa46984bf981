import { z } from "zod";
import { RefundAllocationLineSchema, ReturnedItemSchema } from "../events/payloads.ts";
import { NonNegativeMoneySchema } from "../money/money.ts";
import { RecordedTransactionSchema } from "./agent-sales.ts";

/** POST /api/v1/returns, 201 (200 when it replays an Idempotency-Key): the refund and its allocation to the original tenders. */
export const ReturnRecordedSchema = RecordedTransactionSchema.extend({
  refund: NonNegativeMoneySchema,
  allocation: z.array(RefundAllocationLineSchema),
  /** false when an original is not on this register: refunded to store credit, flagged for the cloud. */
  verified: z.boolean(),
  storeCredit: z.object({ creditId: z.string(), amount: NonNegativeMoneySchema }).optional(),
  items: z.array(ReturnedItemSchema),
});
export type ReturnRecorded = z.infer<typeof ReturnRecordedSchema>;
