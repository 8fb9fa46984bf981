import { z } from "zod";
import { MoneySchema, NonNegativeMoneySchema } from "../money/money.ts";
import { SaleLineSchema, TotalsSchema } from "./lines.ts";
import { TENDER_TYPES, TenderSchema } from "./tenders.ts";

const id = z.string().min(1).max(64);

export const SaleCompletedSchema = z.object({
  transactionId: id,
  cashierId: id,
  lines: z.array(SaleLineSchema).min(1, "a sale needs at least one line"),
  tenders: z.array(TenderSchema).min(1, "a sale needs at least one tender"),
  totals: TotalsSchema,
  /** Cash handed back to the customer. */
  change: NonNegativeMoneySchema.optional(),
});
export type SaleCompleted = z.infer<typeof SaleCompletedSchema>;

export const ReturnedItemSchema = z.object({
  originalTransactionId: id,
  sku: id,
  quantity: z.number().int().positive(),
  /** Price plus tax refunded for these units. */
  refund: NonNegativeMoneySchema,
});
export type ReturnedItem = z.infer<typeof ReturnedItemSchema>;

/** One slice of a refund paid back to one tender of an original transaction. */
export const RefundAllocationLineSchema = z.object({
  originalTransactionId: id,
  tenderId: id,
  tenderType: z.enum(TENDER_TYPES),
  amount: NonNegativeMoneySchema,
});
export type RefundAllocationLine = z.infer<typeof RefundAllocationLineSchema>;

export const ReturnCompletedSchema = z.object({
  transactionId: id,
  cashierId: id,
  reason: z.string().min(1, "a return needs a reason").max(200),
  items: z.array(ReturnedItemSchema).min(1, "a return needs at least one item"),
  refund: NonNegativeMoneySchema,
  allocation: z.array(RefundAllocationLineSchema),
  /** false when the original could not be found locally: refunded to store credit, flagged for the cloud. */
  verified: z.boolean(),
  storeCredit: z.object({ creditId: id, amount: NonNegativeMoneySchema }).optional(),
});
export type ReturnCompleted = z.infer<typeof ReturnCompletedSchema>;

export const ExchangeCompletedSchema = z.object({
  transactionId: id,
  cashierId: id,
  reason: z.string().min(1).max(200),
  returned: z.object({
    items: z.array(ReturnedItemSchema).min(1, "an exchange returns at least one item"),
    value: NonNegativeMoneySchema,
  }),
  lines: z.array(SaleLineSchema).min(1, "an exchange sells at least one line"),
  totals: TotalsSchema,
  /** New sale total minus returned value: positive, the customer pays it with `tenders`; negative, it is refunded per `allocation`. */
  net: MoneySchema,
  tenders: z.array(TenderSchema),
  allocation: z.array(RefundAllocationLineSchema),
  change: NonNegativeMoneySchema.optional(),
  verified: z.boolean(),
});
export type ExchangeCompleted = z.infer<typeof ExchangeCompletedSchema>;

export const SaleVoidedSchema = z.object({
  transactionId: id,
  cashierId: id,
  reason: z.string().min(1).max(200),
});
export type SaleVoided = z.infer<typeof SaleVoidedSchema>;

export const TenderDetailsUpdatedSchema = z.object({
  transactionId: id,
  tenderId: id,
  authCode: z.string().min(1).max(32),
  processorRef: z.string().min(1).max(64),
  source: z.enum(["terminal", "processor"]),
});
export type TenderDetailsUpdated = z.infer<typeof TenderDetailsUpdatedSchema>;

export const PAYLOAD_SCHEMAS = {
  "sale.completed": SaleCompletedSchema,
  "return.completed": ReturnCompletedSchema,
  "exchange.completed": ExchangeCompletedSchema,
  "sale.voided": SaleVoidedSchema,
  "tender.details_updated": TenderDetailsUpdatedSchema,
} as const;

export type EventType = keyof typeof PAYLOAD_SCHEMAS;
export const EVENT_TYPES = Object.keys(PAYLOAD_SCHEMAS) as EventType[];
