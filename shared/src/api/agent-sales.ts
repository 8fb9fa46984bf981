import { z } from "zod";
import { TotalsSchema } from "../events/lines.ts";
import { TenderSchema } from "../events/tenders.ts";
import { NonNegativeMoneySchema } from "../money/money.ts";

/** Where a recorded transaction sits: its id, its event and the register's sequence number of that event. */
export const RecordedTransactionSchema = z.object({
  transactionId: z.string(),
  eventId: z.string(),
  seq: z.number().int().positive(),
});

/** POST /api/v1/sales, 201 (200 when it replays an Idempotency-Key): the sale as recorded. */
export const SaleRecordedSchema = RecordedTransactionSchema.extend({
  totals: TotalsSchema,
  /** Cash handed back to the customer. */
  change: NonNegativeMoneySchema.optional(),
  /** The tenders as recorded, with the ids the agent minted. */
  tenders: z.array(TenderSchema),
  /** The short number printed and barcoded on the receipt (store, register, seq, check character): what a return anywhere is found by. */
  receiptNumber: z.string().optional(),
});
export type SaleRecorded = z.infer<typeof SaleRecordedSchema>;
