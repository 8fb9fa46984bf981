import { z } from "zod";
import { MoneySchema, NonNegativeMoneySchema } from "../money/money.ts";

export const SaleLineSchema = z.object({
  sku: z.string().min(1, "sku is required").max(64),
  description: z.string().max(200).default(""),
  quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
  unitPrice: NonNegativeMoneySchema,
  /** Tax for the whole line (all units), in minor units. */
  tax: NonNegativeMoneySchema,
  /**
   * A gift card sold (activate) or topped up (load) on this line: the line's price goes onto the
   * card when the sale reaches the ledger. The number is sealed for the regions, never in clear.
   */
  storedValue: z
    .object({
      action: z.enum(["activate", "load"]),
      last4: z.string().regex(/^\d{4}$/),
      sealed: z.string().min(16).max(1024).optional(),
      token: z.string().min(1).max(128).optional(),
    })
    .optional(),
});
export type SaleLine = z.infer<typeof SaleLineSchema>;

export const TotalsSchema = z.object({
  subtotal: MoneySchema,
  tax: MoneySchema,
  total: MoneySchema,
});
export type Totals = z.infer<typeof TotalsSchema>;
