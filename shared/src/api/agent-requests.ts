import { z } from "zod";
import { rejectPans } from "../events/envelope.ts";
import { SaleLineSchema } from "../events/lines.ts";
import { CardDetailsSchema, SealedNumberSchema } from "../events/tenders.ts";
import { NonNegativeMoneySchema } from "../money/money.ts";

/**
 * Override codes are gone: a code typed into a request was stored with the sale and could be
 * guessed without limit. A manager now signs in with their PIN (POST /api/v1/manager/session) and
 * the register records who approved; a request still carrying a code is told so.
 */
const RetiredOverrideCode = z
  .never({
    error:
      "overrideCode is no longer accepted: a manager approves an override by signing in with their PIN (POST /api/v1/manager/session), then the request is sent again",
  })
  .optional();

/** Tenders as the register software posts them; the agent mints tender ids. */
export const TenderInputSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("card"),
      amount: NonNegativeMoneySchema,
      card: CardDetailsSchema,
      offline: z.boolean().default(false),
    }),
    z.object({ type: z.literal("cash"), amount: NonNegativeMoneySchema, tendered: NonNegativeMoneySchema.optional() }),
    z.object({
      type: z.literal("gift_card"),
      amount: NonNegativeMoneySchema,
      /**
       * The card: sealed for the regions (POST /api/v1/stored-value/seal gives it from the number),
       * or its token from an inquiry; never the number. Online, the agent holds the amount at the
       * region before it records the sale; offline, within the register's stored-value caps.
       */
      giftCard: z
        .object({
          token: z.string().min(1).max(128).optional(),
          sealed: SealedNumberSchema.optional(),
          last4: z.string().regex(/^\d{4}$/),
        })
        .refine((g) => g.token !== undefined || g.sealed !== undefined, {
          message: "give the gift card's sealed number (POST /api/v1/stored-value/seal) or its token",
          path: ["sealed"],
        }),
    }),
    z.object({
      type: z.literal("store_credit"),
      amount: NonNegativeMoneySchema,
      /** The credit account's token (from an inquiry), or, with `sealed` and `last4`, the register's own id for it. */
      creditId: z.string().min(1).max(64).optional(),
      sealed: SealedNumberSchema.optional(),
      last4: z
        .string()
        .regex(/^\d{4}$/)
        .optional(),
    }),
  ],
  { error: "tender type must be card, cash, gift_card or store_credit" },
);
export type TenderInput = z.infer<typeof TenderInputSchema>;

/** A sale as it is documented (OpenAPI): SaleRequestSchema also refuses a card number anywhere in it. */
export const SaleBodySchema = z.object({
  cashierId: z.string().min(1, "cashierId is required").max(64),
  lines: z.array(SaleLineSchema).min(1, "a sale needs at least one line").max(500),
  tenders: z.array(TenderInputSchema).min(1, "a sale needs at least one tender").max(20),
  overrideCode: RetiredOverrideCode,
});
export const SaleRequestSchema = z.unknown().superRefine(rejectPans).pipe(SaleBodySchema);
export type SaleRequest = z.infer<typeof SaleBodySchema>;

export const ReturnItemInputSchema = z.object({
  transactionId: z.string().min(1).max(64),
  sku: z.string().min(1).max(64),
  quantity: z.number().int().positive("quantity must be at least 1"),
});

/**
 * A returned item. `unitPrice` (price with tax per unit) is this contract's one addition to
 * ARCHITECTURE.md's return items: a register refunds an item whose original sale it does not hold
 * at that declared price, to store credit, flagged unverified for the cloud. Ignored when the
 * register holds the original (it refunds what was paid).
 */
export const ReturnedItemInputSchema = ReturnItemInputSchema.extend({
  unitPrice: NonNegativeMoneySchema.optional(),
});

/**
 * Where a refund goes: back to the original tenders (`original`, or absent), or all of it onto a new store
 * credit whose number is printed on the receipt. An unverified part is store credit either way.
 */
export const RefundToSchema = z
  .enum(["original", "store_credit"], { error: "refundTo must be original or store_credit" })
  .optional();

/** A return as it is documented (OpenAPI): ReturnRequestSchema also refuses a card number anywhere in it. */
export const ReturnBodySchema = z.object({
  cashierId: z.string().min(1, "cashierId is required").max(64),
  items: z.array(ReturnedItemInputSchema).min(1, "a return needs at least one item").max(500),
  reason: z.string().min(1, "a return needs a reason").max(200),
  refundTo: RefundToSchema,
});
export const ReturnRequestSchema = z.unknown().superRefine(rejectPans).pipe(ReturnBodySchema);
export type ReturnRequest = z.infer<typeof ReturnBodySchema>;

/** An exchange as it is documented (OpenAPI): ExchangeRequestSchema also refuses a card number anywhere in it. */
export const ExchangeBodySchema = z.object({
  cashierId: z.string().min(1, "cashierId is required").max(64),
  returnItems: z.array(ReturnItemInputSchema).min(1, "an exchange returns at least one item").max(500),
  lines: z.array(SaleLineSchema).min(1, "an exchange sells at least one line").max(500),
  /** Pay the difference when the new items cost more; empty when the returned value covers them. */
  tenders: z.array(TenderInputSchema).max(20).default([]),
  reason: z.string().min(1).max(200).default("exchange"),
  refundTo: RefundToSchema,
  overrideCode: RetiredOverrideCode,
});
export const ExchangeRequestSchema = z.unknown().superRefine(rejectPans).pipe(ExchangeBodySchema);
export type ExchangeRequest = z.infer<typeof ExchangeBodySchema>;
