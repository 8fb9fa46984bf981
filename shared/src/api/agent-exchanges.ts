import { z } from "zod";
import { TotalsSchema } from "../events/lines.ts";
import { RefundAllocationLineSchema } from "../events/payloads.ts";
import { TenderSchema } from "../events/tenders.ts";
import { MoneySchema, NonNegativeMoneySchema } from "../money/money.ts";
import { StoreCreditAnswerSchema } from "./agent-returns.ts";
import { RecordedTransactionSchema } from "./agent-sales.ts";

/** POST /api/v1/exchanges, 201 (200 when it replays an Idempotency-Key): the return and the new sale, netted. */
export const ExchangeRecordedSchema = RecordedTransactionSchema.extend({
  returnedValue: NonNegativeMoneySchema,
  totals: TotalsSchema,
  /** New sale total minus returned value: positive, paid with `tenders`; negative, refunded per `allocation`. */
  net: MoneySchema,
  tenders: z.array(TenderSchema),
  allocation: z.array(RefundAllocationLineSchema),
  change: NonNegativeMoneySchema.optional(),
  /** The refunded difference, when the customer took it as store credit (`refundTo`). */
  storeCredit: StoreCreditAnswerSchema.optional(),
});
export type ExchangeRecorded = z.infer<typeof ExchangeRecordedSchema>;
