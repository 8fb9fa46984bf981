import { z } from "zod";
import { MoneySchema } from "../money/money.ts";

/** GET /api/v1/transactions/{id}: a receipt as the register shows it, with what is still returnable and refundable. */
export const ReceiptViewSchema = z.object({
  transactionId: z.string(),
  kind: z.enum(["sale", "return", "exchange"]),
  seq: z.number().int().positive(),
  eventId: z.string(),
  occurredAt: z.string(),
  total: MoneySchema,
  /** The recorded event's payload (sale.completed, return.completed or exchange.completed). */
  receipt: z.record(z.string(), z.unknown()),
  lines: z.array(
    z.object({
      sku: z.string(),
      quantity: z.number().int(),
      returned: z.number().int(),
      returnable: z.number().int(),
    }),
  ),
  tenders: z.array(
    z.object({
      tenderId: z.string(),
      type: z.string(),
      amount: MoneySchema,
      refunded: MoneySchema,
      refundable: MoneySchema,
    }),
  ),
});
export type ReceiptView = z.infer<typeof ReceiptViewSchema>;
