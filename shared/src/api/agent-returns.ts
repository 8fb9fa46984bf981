import { z } from "zod";
import { RefundAllocationLineSchema, ReturnedItemSchema, ReturnOriginalRefSchema } from "../events/payloads.ts";
import { NonNegativeMoneySchema } from "../money/money.ts";
import { RecordedTransactionSchema } from "./agent-sales.ts";

/**
 * Store credit a return or exchange issued: `number` is printed on the receipt and shown only in
 * this first answer (the register never keeps it; a replay of the request leaves it out).
 */
export const StoreCreditAnswerSchema = z.object({
  creditId: z.string(),
  amount: NonNegativeMoneySchema,
  last4: z.string().optional(),
  number: z.string().optional(),
  /** When it can no longer be spent, for the receipt; absent: never. */
  expiresAt: z.string().optional(),
});
export type StoreCreditAnswer = z.infer<typeof StoreCreditAnswerSchema>;

/** POST /api/v1/returns, 201 (200 when it replays an Idempotency-Key): the refund and its allocation to the original tenders. */
export const ReturnRecordedSchema = RecordedTransactionSchema.extend({
  refund: NonNegativeMoneySchema,
  allocation: z.array(RefundAllocationLineSchema),
  /** false when an original is not on this register: refunded to store credit, flagged for the cloud. */
  verified: z.boolean(),
  /** Who verified the verified part: this register's ledger, or the cloud's (an original sold elsewhere). */
  verifiedBy: z.enum(["register", "cloud"]).optional(),
  /** Where each original the cloud verified was sold: store, register or online channel. */
  originals: z.array(ReturnOriginalRefSchema).optional(),
  storeCredit: StoreCreditAnswerSchema.optional(),
  items: z.array(ReturnedItemSchema),
});
export type ReturnRecorded = z.infer<typeof ReturnRecordedSchema>;
