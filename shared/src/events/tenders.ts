import { z } from "zod";
import { NonNegativeMoneySchema } from "../money/money.ts";

export const TENDER_TYPES = ["card", "cash", "gift_card", "store_credit"] as const;
export type TenderType = (typeof TENDER_TYPES)[number];

const last4 = z.string().regex(/^\d{4}$/, "last4 must be exactly the last four digits of the card");

export const CardDetailsSchema = z.object({
  token: z.string().min(1, "token is required: the terminal's card token, never the card number").max(128),
  last4,
  brand: z.string().min(1).max(32),
  /** `ecommerce`: an online order's card, taken by the channel's payment gateway. */
  entryMode: z.enum(["chip", "contactless", "swipe", "manual", "fallback", "ecommerce"]),
  /** The terminal's transaction id (for an online order, the gateway's). */
  terminalTxnId: z.string().min(1, "terminalTxnId is required: the terminal's transaction id").max(64),
  /** null for an offline (store-and-forward) approval until the processor's records complete it. */
  authCode: z.string().min(1).max(32).nullable(),
  processorRef: z.string().min(1).max(64).nullable(),
});
export type CardDetails = z.infer<typeof CardDetailsSchema>;

const tenderId = z.string().min(1).max(64);

/** Who approved an override, and when: the record of a manager's authority (never their PIN). */
export const ManagerApprovalSchema = z.object({
  managerId: z.string().min(1).max(64),
  at: z.iso.datetime({ offset: true, message: "approvedBy.at must be ISO-8601 with an offset" }),
});
export type ManagerApproval = z.infer<typeof ManagerApprovalSchema>;

export const CardTenderSchema = z.object({
  tenderId,
  type: z.literal("card"),
  amount: NonNegativeMoneySchema,
  card: CardDetailsSchema,
  offline: z.boolean(),
  /** The manager who let this offline approval past the register's limits: an id and a time, never a PIN or code. */
  approvedBy: ManagerApprovalSchema.optional(),
});

export const CashTenderSchema = z.object({
  tenderId,
  type: z.literal("cash"),
  /** What the cash pays towards the total. */
  amount: NonNegativeMoneySchema,
  /** What the customer handed over; the difference is the change given. */
  tendered: NonNegativeMoneySchema.optional(),
  change: NonNegativeMoneySchema.optional(),
});

export const GiftCardTenderSchema = z.object({
  tenderId,
  type: z.literal("gift_card"),
  amount: NonNegativeMoneySchema,
  giftCard: z.object({ token: z.string().min(1).max(128), last4 }),
});

export const StoreCreditTenderSchema = z.object({
  tenderId,
  type: z.literal("store_credit"),
  amount: NonNegativeMoneySchema,
  creditId: z.string().min(1).max(64),
});

export const TenderSchema = z.discriminatedUnion("type", [
  CardTenderSchema,
  CashTenderSchema,
  GiftCardTenderSchema,
  StoreCreditTenderSchema,
]);
export type Tender = z.infer<typeof TenderSchema>;
export type CardTender = z.infer<typeof CardTenderSchema>;
export type CashTender = z.infer<typeof CashTenderSchema>;
