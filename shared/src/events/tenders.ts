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

/** A gift card or credit number sealed for the regions (shared/src/stored-value/sealing.ts): never the number itself. */
export const SealedNumberSchema = z
  .string()
  .min(16)
  .max(1024)
  .regex(/^[A-Za-z0-9_-]+$/, "a sealed number is base64url");

export const GiftCardTenderSchema = z.object({
  tenderId,
  type: z.literal("gift_card"),
  /** The manager who let an offline redemption past the register's stored-value caps. */
  approvedBy: ManagerApprovalSchema.optional(),
  amount: NonNegativeMoneySchema,
  giftCard: z
    .object({
      /** The account's token: the region's keyed hash of the number (`sv_…`), as a hold or inquiry answered it; absent offline (then `sealed`). */
      token: z.string().min(1).max(128).optional(),
      last4,
      /** Offline (no region answered): the number sealed for the regions, which name the account from it when the event arrives. */
      sealed: SealedNumberSchema.optional(),
      /** The region's hold this redemption captures (the tender's id), when one was taken online. */
      holdId: z.string().min(1).max(64).optional(),
    })
    .refine((g) => g.token !== undefined || g.sealed !== undefined, {
      message: "a gift card tender names its account: token (online) or sealed (the number sealed for the regions)",
      path: ["token"],
    }),
});

export const StoreCreditTenderSchema = z.object({
  tenderId,
  type: z.literal("store_credit"),
  /** The manager who let an offline redemption past the register's stored-value caps. */
  approvedBy: ManagerApprovalSchema.optional(),
  amount: NonNegativeMoneySchema,
  /** The store credit account's token (`sv_…`), or a register's own credit id on events from before the stored-value ledger. */
  creditId: z.string().min(1).max(64),
  last4: last4.optional(),
  sealed: SealedNumberSchema.optional(),
  holdId: z.string().min(1).max(64).optional(),
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
