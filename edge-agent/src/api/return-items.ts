import { NonNegativeMoneySchema, type ReturnRequest } from "@tenderline/shared";
import { z } from "zod";
import type { ReturnItemRequest } from "../register/return-plan.ts";
import { ApiError } from "./errors.ts";

/**
 * An item whose original is not on this register can only be refunded at a price the register
 * declares: the optional `items[i].unitPrice` (price with tax per unit). The shared request schema
 * strips unknown fields, so it is read from the raw body here.
 */
const PricesSchema = z.object({
  items: z.array(z.object({ unitPrice: NonNegativeMoneySchema.optional() })),
});

export function returnItemsWithPrices(request: ReturnRequest, raw: unknown): ReturnItemRequest[] {
  const parsed = PricesSchema.safeParse(raw);
  if (!parsed.success) throw ApiError.invalid(parsed.error, false);
  return request.items.map((item, i) => {
    const unitPrice = parsed.data.items[i]?.unitPrice;
    return unitPrice ? { ...item, unitPrice } : item;
  });
}
