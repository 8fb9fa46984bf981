import { z } from "zod";
import { SaleLineSchema } from "../events/lines.ts";
import { TENDER_TYPES } from "../events/tenders.ts";
import { MoneySchema, NonNegativeMoneySchema } from "../money/money.ts";

const id = z.string().min(1).max(64);

/** One line of an original as a return needs it: what was sold, and what is left to return. */
export const ReturnableLineSchema = SaleLineSchema.extend({
  lineNo: z.number().int().nonnegative(),
  /** Units already returned, over every register, store, channel and region the ledger has merged. */
  returned: z.number().int().nonnegative(),
  /** Units held by returns being recorded right now (reservations not yet recorded or released). */
  reserved: z.number().int().nonnegative(),
  returnable: z.number().int().nonnegative(),
});
export type ReturnableLine = z.infer<typeof ReturnableLineSchema>;

/** One tender of an original, masked: what a refund to it needs, never a card or gift card number. */
export const RefundableTenderSchema = z.object({
  tenderId: id,
  type: z.enum(TENDER_TYPES),
  amount: NonNegativeMoneySchema,
  refunded: NonNegativeMoneySchema,
  reserved: NonNegativeMoneySchema,
  refundable: MoneySchema,
  card: z.object({ brand: z.string(), last4: z.string(), token: z.string(), processorRef: z.string().nullable() }).optional(),
  giftCard: z.object({ last4: z.string() }).optional(),
});
export type RefundableTender = z.infer<typeof RefundableTenderSchema>;

/**
 * `GET /v1/returns/originals/:ref` (ref: a receipt number or a transaction id), for register and
 * store credentials of any store: the original sale or online order as the cloud's merged ledger
 * knows it. It holds what a return needs and no more (no cashier, no other transactions).
 */
export const ReturnOriginalSchema = z.object({
  transactionId: id,
  receiptNumber: z.string().nullable(),
  kind: z.enum(["sale", "exchange", "order"]),
  storeId: id,
  registerId: id,
  /** Set for an online order: the channel that took it. */
  channel: z.string().nullable(),
  occurredAt: z.string(),
  currency: z.string(),
  lines: z.array(ReturnableLineSchema),
  tenders: z.array(RefundableTenderSchema),
});
export type ReturnOriginal = z.infer<typeof ReturnOriginalSchema>;

/**
 * `POST /v1/returns/reservations`: holds units and refund amounts of originals for a return that is
 * about to be recorded, keyed by the return's event id. All or nothing: 201 held (200 when the
 * same reservation is asked again), 409 `already_returned` when another return holds or took them.
 * A reservation ends when the return's event reaches the ledger, when it is released, or at
 * `expiresAt`.
 */
export const ReservationRequestSchema = z.object({
  returnEventId: z.string().min(1).max(64),
  storeId: id,
  registerId: id,
  originals: z
    .array(
      z.object({
        transactionId: id,
        items: z.array(z.object({ sku: id, quantity: z.number().int().positive() })).min(1),
        refunds: z.array(z.object({ tenderId: id, amount: NonNegativeMoneySchema })),
      }),
    )
    .min(1, "a reservation holds at least one original"),
});
export type ReservationRequest = z.infer<typeof ReservationRequestSchema>;

export const ReservationSchema = z.object({
  returnEventId: z.string(),
  expiresAt: z.string(),
});
export type Reservation = z.infer<typeof ReservationSchema>;

/** One unverified return (refunded to store credit without the original) and what the cloud made of it. */
export const UnverifiedReturnSchema = z.object({
  returnEventId: z.string(),
  transactionId: z.string(),
  storeId: z.string(),
  registerId: z.string(),
  occurredAt: z.string(),
  refund: MoneySchema,
  approvedBy: z.string().nullable(),
  /** waiting: an original is not in the ledger yet; verified: it matches; mismatch: price or quantity exceeds the original. */
  status: z.enum(["waiting", "verified", "mismatch"]),
  reason: z.string().nullable(),
});
export type UnverifiedReturn = z.infer<typeof UnverifiedReturnSchema>;

/** `GET /v1/stores/:storeId/unverified-returns?status=`. */
export const UnverifiedReturnListSchema = z.object({
  region: z.string(),
  items: z.array(UnverifiedReturnSchema),
});
export type UnverifiedReturnList = z.infer<typeof UnverifiedReturnListSchema>;
