import { z } from "zod";
import { SealedNumberSchema } from "../events/tenders.ts";
import { MoneySchema, NonNegativeMoneySchema } from "../money/money.ts";

/**
 * The region's stored-value ledger (gift cards and store credit) as registers and operators see
 * it. A number is never in a request or an answer: registers send it sealed for the regions
 * (`sealed`), and accounts are named by their token (`sv_…`, a keyed hash only regions can make)
 * and last four digits.
 */
export const STORED_VALUE_KINDS = ["gift_card", "store_credit"] as const;
export const StoredValueKindSchema = z.enum(STORED_VALUE_KINDS);
export type StoredValueKind = z.infer<typeof StoredValueKindSchema>;

/** One append-only entry of an account: from an event in the replicated log, so every region holds the same. */
export const STORED_VALUE_ENTRY_KINDS = ["issue", "load", "redeem", "refund", "void"] as const;
export const StoredValueEntrySchema = z.object({
  /** `eventId:part`, the entry's idempotency key: one event makes each entry once. */
  entryId: z.string(),
  kind: z.enum(STORED_VALUE_ENTRY_KINDS),
  /** Signed: issue, load and refund add; redeem and void take away. */
  amount: MoneySchema,
  eventId: z.string(),
  storeId: z.string(),
  registerId: z.string(),
  occurredAt: z.string(),
  /** false for a redemption taken without a hold (offline at the register). */
  online: z.boolean(),
});
export type StoredValueEntry = z.infer<typeof StoredValueEntrySchema>;

/** An account's balance now: entries summed, minus what live holds keep back. */
export const StoredValueBalanceSchema = z.object({
  token: z.string(),
  kind: StoredValueKindSchema,
  last4: z.string(),
  currency: z.string(),
  balance: MoneySchema,
  held: NonNegativeMoneySchema,
  available: MoneySchema,
  /** not_issued: the number is right but no sale or return ever activated it. */
  status: z.enum(["active", "not_issued", "void", "expired"]),
  /** When it can no longer be spent (a store credit under the retailer's expiry rule); null: never. */
  expiresAt: z.string().nullable().optional(),
});
export type StoredValueBalance = z.infer<typeof StoredValueBalanceSchema>;

/** `POST /v1/stored-value/inquiries` (register credential): a balance by sealed number. */
export const StoredValueInquirySchema = z.object({ kind: StoredValueKindSchema, sealed: SealedNumberSchema });
export type StoredValueInquiry = z.infer<typeof StoredValueInquirySchema>;

/**
 * `POST /v1/stored-value/holds` (register credential, its own store and register): an
 * authorisation against the balance, keyed by the redeeming tender's id (`holdId`), captured when
 * the sale that records the tender reaches the ledger, released (DELETE) when it is not recorded,
 * ended at `expiresAt` otherwise. 201 held, 200 the same hold again; 409 `insufficient_balance`
 * (details.available), 404 `account_not_found`, 409 `hold_conflict` (same id, other content).
 */
export const StoredValueHoldRequestSchema = z
  .object({
    holdId: z.string().min(1).max(64),
    storeId: z.string().min(1).max(64),
    registerId: z.string().min(1).max(64),
    kind: StoredValueKindSchema,
    /** The number sealed for the regions, or the account's token when the register has it already. */
    sealed: SealedNumberSchema.optional(),
    token: z.string().min(1).max(128).optional(),
    amount: NonNegativeMoneySchema,
  })
  .refine((h) => (h.sealed === undefined) !== (h.token === undefined), {
    message: "give exactly one of sealed (the number, sealed) or token",
    path: ["sealed"],
  });
export type StoredValueHoldRequest = z.infer<typeof StoredValueHoldRequestSchema>;

export const StoredValueHoldSchema = z.object({
  holdId: z.string(),
  token: z.string(),
  last4: z.string(),
  amount: NonNegativeMoneySchema,
  /** What is left to spend once this hold is taken. */
  available: MoneySchema,
  expiresAt: z.string(),
});
export type StoredValueHold = z.infer<typeof StoredValueHoldSchema>;

/** `GET /v1/stored-value/accounts/:token` (admin, or a store credential): the balance and every entry. */
export const StoredValueAccountSchema = StoredValueBalanceSchema.extend({
  entries: z.array(StoredValueEntrySchema),
});
export type StoredValueAccount = z.infer<typeof StoredValueAccountSchema>;

/** `GET /v1/stored-value/balances` (admin or consumer): every account's balance, for comparing regions. */
export const StoredValueBalancesSchema = z.object({
  region: z.string(),
  accounts: z.array(z.object({ token: z.string(), kind: StoredValueKindSchema, currency: z.string(), balance: MoneySchema })),
});
export type StoredValueBalances = z.infer<typeof StoredValueBalancesSchema>;
