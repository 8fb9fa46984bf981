import { z } from "zod";
import { SealedNumberSchema } from "../events/tenders.ts";
import { NonNegativeMoneySchema } from "../money/money.ts";
import { StoredValueKindSchema } from "./region-stored-value.ts";

/**
 * `POST /api/v1/stored-value/seal`: the one place a gift card or credit number is sent to the
 * agent. It answers the number sealed for the regions and its last four; it never keeps or logs
 * the number. A number that reads as a payment card is refused (422 pan_detected) unless it is in
 * the retailer's gift card ranges (`giftCardPrefixes`).
 */
export const SealRequestSchema = z.object({
  kind: StoredValueKindSchema,
  number: z.string().min(8).max(40),
});
export type SealRequest = z.infer<typeof SealRequestSchema>;

export const SealedSchema = z.object({
  kind: StoredValueKindSchema,
  sealed: SealedNumberSchema,
  last4: z.string(),
});
export type Sealed = z.infer<typeof SealedSchema>;

/** `POST /api/v1/stored-value/inquiry` `{ kind, sealed }`: the balance, from the region (503 `region_unavailable` offline). */
export const InquiryRequestSchema = z.object({ kind: StoredValueKindSchema, sealed: SealedNumberSchema });
export type InquiryRequest = z.infer<typeof InquiryRequestSchema>;

/**
 * `POST /api/v1/stored-value/void` (a manager signed in at this register): voids a gift card or
 * store credit by its sealed number. The region holds its whole available balance, then the
 * register records `stored_value.voided` with the manager's id; offline it is refused (503): a
 * balance is the cloud's to close.
 */
export const VoidRequestSchema = z.object({
  kind: StoredValueKindSchema,
  sealed: SealedNumberSchema,
  cashierId: z.string().min(1, "cashierId is required").max(64),
  reason: z.string().min(1, "say why the card is voided (lost, stolen, issued in error)").max(200),
});
export type VoidRequest = z.infer<typeof VoidRequestSchema>;

export const VoidedSchema = z.object({
  voidId: z.string(),
  eventId: z.string(),
  seq: z.number().int(),
  kind: StoredValueKindSchema,
  last4: z.string(),
  /** The balance taken off the card. */
  amount: NonNegativeMoneySchema,
});
export type Voided = z.infer<typeof VoidedSchema>;
