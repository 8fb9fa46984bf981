import { z } from "zod";
import { MoneySchema, NonNegativeMoneySchema } from "../money/money.ts";
import { SaleLineSchema, TotalsSchema } from "./lines.ts";
import { ManagerApprovalSchema, TENDER_TYPES, TenderSchema } from "./tenders.ts";

const id = z.string().min(1).max(64);
/** The short number printed (and barcoded) on the receipt: shared/src/receipts/receipt-number.ts. */
const receiptNumber = z.string().min(1).max(160);

export const SaleCompletedSchema = z.object({
  transactionId: id,
  cashierId: id,
  lines: z.array(SaleLineSchema).min(1, "a sale needs at least one line"),
  tenders: z.array(TenderSchema).min(1, "a sale needs at least one tender"),
  totals: TotalsSchema,
  /** Cash handed back to the customer. */
  change: NonNegativeMoneySchema.optional(),
  /** Absent on sales recorded before receipt numbers existed. */
  receiptNumber: receiptNumber.optional(),
});
export type SaleCompleted = z.infer<typeof SaleCompletedSchema>;

/**
 * An online order, recorded by an order channel (its own credential, its own `storeId` and
 * `registerId` in the envelope) through the same batch API and replicated log as a register's
 * sale. Shipping is a line. Card tenders carry the processor's reference; they are never offline.
 */
export const OrderCompletedSchema = SaleCompletedSchema.extend({
  /** The order's number in the channel (what the customer's confirmation shows). */
  orderId: id,
  /** Which channel took it: `web`, `app`, `marketplace` … */
  channel: id,
}).superRefine((order, ctx) => {
  // Its cards were taken by the channel's payment gateway and approved online, with the
  // processor's references (what a refund in a store goes back by): an order leaves no
  // reconciliation work.
  order.tenders.forEach((tender, i) => {
    if (tender.type !== "card") return;
    const problem: [string[], string] | null = tender.offline
      ? [["offline"], "is true, but an online order's card tender is approved online"]
      : tender.card.entryMode !== "ecommerce"
        ? [["card", "entryMode"], "entryMode must be ecommerce for an online order"]
        : tender.card.authCode === null || tender.card.processorRef === null
          ? [["card"], "needs the processor's authCode and processorRef: an online order's card is refunded by them"]
          : null;
    if (problem) ctx.addIssue({ code: "custom", path: ["tenders", i, ...problem[0]], message: problem[1] });
  });
});
export type OrderCompleted = z.infer<typeof OrderCompletedSchema>;

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
  /** A card refund goes back by the original's token and processor reference (never a card number). */
  card: z
    .object({
      token: z.string().min(1).max(128),
      last4: z.string().regex(/^\d{4}$/),
      processorRef: z.string().max(64).nullable(),
    })
    .optional(),
  /**
   * Set when the customer took this slice as store credit (the event's `storeCredit`) instead of
   * back to the tender: it still uses up what the tender can be refunded, but nothing is paid to it.
   */
  paidAs: z.literal("store_credit").optional(),
});
export type RefundAllocationLine = z.infer<typeof RefundAllocationLineSchema>;

/** Where a returned original was sold, as the authority that verified the return knew it. */
export const ReturnOriginalRefSchema = z.object({
  transactionId: id,
  storeId: id,
  registerId: id,
  /** Set for an online order: the channel that took it. */
  channel: id.optional(),
  receiptNumber: receiptNumber.optional(),
});
export type ReturnOriginalRef = z.infer<typeof ReturnOriginalRefSchema>;

/**
 * Store credit a return or exchange issues: an account the region opens from the sealed number
 * printed on the receipt (`sealed`, `last4`); `creditId` is the register's own id for it.
 */
export const StoreCreditIssuedSchema = z.object({
  creditId: id,
  amount: NonNegativeMoneySchema,
  last4: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
  sealed: z.string().min(16).max(1024).optional(),
  /** When it can no longer be spent (the retailer's rule at the register that issued it); absent: never. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type StoreCreditIssued = z.infer<typeof StoreCreditIssuedSchema>;

export const ReturnCompletedSchema = z.object({
  transactionId: id,
  cashierId: id,
  reason: z.string().min(1, "a return needs a reason").max(200),
  items: z.array(ReturnedItemSchema).min(1, "a return needs at least one item"),
  refund: NonNegativeMoneySchema,
  allocation: z.array(RefundAllocationLineSchema),
  /** false when the original could not be verified (not on this register, no region reachable): refunded to store credit, checked by the cloud later. */
  verified: z.boolean(),
  /** Who verified it: this register's own ledger, or the cloud's merged ledger (absent on older events: the register). */
  verifiedBy: z.enum(["register", "cloud"]).optional(),
  /** The originals as the verifier found them (store, register or channel): set when the cloud verified the return. */
  originals: z.array(ReturnOriginalRefSchema).optional(),
  /**
   * Store credit issued by this return: its unverified part, and the allocation slices the
   * customer took as store credit (`paidAs`).
   */
  storeCredit: StoreCreditIssuedSchema.optional(),
  /** The manager who let an unverified return past the register's caps: an id and a time, never a PIN. */
  approvedBy: ManagerApprovalSchema.optional(),
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
  /** The refunded difference taken as store credit (every allocation slice `paidAs` it). */
  storeCredit: StoreCreditIssuedSchema.optional(),
});
export type ExchangeCompleted = z.infer<typeof ExchangeCompletedSchema>;

export const SaleVoidedSchema = z.object({
  transactionId: id,
  cashierId: id,
  reason: z.string().min(1).max(200),
});
export type SaleVoided = z.infer<typeof SaleVoidedSchema>;

/**
 * A gift card or store credit voided by a manager (lost, stolen, issued in error): its whole
 * available balance, held at the region under `holdId` first, becomes a void entry and the
 * account is closed to spending. Recorded only while a region answers; never carries the number.
 */
export const StoredValueVoidedSchema = z.object({
  voidId: id,
  cashierId: id,
  kind: z.enum(["gift_card", "store_credit"]),
  token: z.string().min(1).max(128),
  last4: z.string().regex(/^\d{4}$/),
  /** What was left on it and is taken off: the hold's amount. */
  amount: NonNegativeMoneySchema,
  holdId: id,
  reason: z.string().min(1, "a void needs a reason").max(200),
  approvedBy: ManagerApprovalSchema,
});
export type StoredValueVoided = z.infer<typeof StoredValueVoidedSchema>;

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
  "order.completed": OrderCompletedSchema,
  "return.completed": ReturnCompletedSchema,
  "exchange.completed": ExchangeCompletedSchema,
  "sale.voided": SaleVoidedSchema,
  "tender.details_updated": TenderDetailsUpdatedSchema,
  "stored_value.voided": StoredValueVoidedSchema,
} as const;

export type EventType = keyof typeof PAYLOAD_SCHEMAS;
export const EVENT_TYPES = Object.keys(PAYLOAD_SCHEMAS) as EventType[];
