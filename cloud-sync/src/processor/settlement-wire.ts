import { MoneySchema, NonNegativeMoneySchema } from "@tenderline/shared";
import { z } from "zod";

/**
 * The processor simulator's JSON wire format, shared by the simulator and the HTTP adapter so
 * the two cannot drift apart. Field limits follow the card tender schema in @tenderline/shared.
 */

export const MAX_LOOKUP_BATCH = 500;

const terminalTxnId = z.string().min(1, "terminalTxnId is required: the terminal's transaction id").max(64);
const authCode = z.string().min(1).max(32);
const processorRef = z.string().min(1).max(64);
const reason = z.string().min(1).max(64);
const token = z.string().min(1).max(128);
const last4 = z.string().regex(/^\d{4}$/, "last4 must be exactly the last four digits of the card");

export const SETTLEMENT_STATUSES = ["approved", "declined"] as const;

/** One settlement record as the processor holds it (POST /v1/settlements). */
export const SettlementRecordSchema = z
  .strictObject({
    terminalTxnId,
    amount: NonNegativeMoneySchema,
    status: z.enum(SETTLEMENT_STATUSES).default("approved"),
    authCode: authCode.nullable().default(null),
    processorRef: processorRef.nullable().default(null),
    declineReason: reason.optional(),
    /** When present, a lookup for another card finds nothing for this transaction. */
    token: token.optional(),
    last4: last4.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.status === "approved" && (r.authCode === null || r.processorRef === null)) {
      ctx.addIssue({
        code: "custom",
        path: [r.authCode === null ? "authCode" : "processorRef"],
        message: "an approved settlement needs both authCode and processorRef",
      });
    }
  });
export type SettlementRecord = z.output<typeof SettlementRecordSchema>;

/** `{ records: [...] }` to seed many at once (a single record is accepted as is too). */
export const SeedBatchSchema = z.strictObject({
  records: z.array(SettlementRecordSchema).min(1, "records must not be empty").max(10_000, "at most 10000 records at once"),
});

export const TenderLookupWireSchema = z.strictObject({
  terminalTxnId,
  expected: NonNegativeMoneySchema,
  token: token.optional(),
  last4: last4.optional(),
});
export type TenderLookupWire = z.output<typeof TenderLookupWireSchema>;

export const LookupRequestSchema = z
  .strictObject({
    tenders: z
      .array(TenderLookupWireSchema)
      .min(1, "tenders must hold at least one lookup")
      .max(MAX_LOOKUP_BATCH, `a lookup holds at most ${MAX_LOOKUP_BATCH} tenders`),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    for (const [i, t] of body.tenders.entries()) {
      if (seen.has(t.terminalTxnId)) {
        ctx.addIssue({
          code: "custom",
          path: ["tenders", i, "terminalTxnId"],
          message: `terminalTxnId ${t.terminalTxnId} appears twice in one lookup`,
        });
      }
      seen.add(t.terminalTxnId);
    }
  });
export type LookupRequest = z.output<typeof LookupRequestSchema>;

export const LookupResultSchema = z.discriminatedUnion("outcome", [
  z.object({ terminalTxnId, outcome: z.literal("matched"), authCode, processorRef, settled: MoneySchema }),
  z.object({
    terminalTxnId,
    outcome: z.literal("amount_mismatch"),
    expected: MoneySchema,
    processorAmount: MoneySchema,
    authCode: authCode.nullable(),
    processorRef: processorRef.nullable(),
  }),
  z.object({ terminalTxnId, outcome: z.literal("declined"), reason }),
  z.object({ terminalTxnId, outcome: z.literal("not_found"), detail: z.string().max(200).optional() }),
]);

export const LookupResponseSchema = z.object({ results: z.array(LookupResultSchema) });
export type LookupResponse = z.output<typeof LookupResponseSchema>;

export const RESPONSES = ["as_recorded", "amount", "decline", "not_found", "unavailable", "hang"] as const;
export type Respond = (typeof RESPONSES)[number];

/**
 * How the simulator answers, globally or for one terminalTxnId:
 * - `as_recorded`: from the settlement records (the normal processor);
 * - `amount`: a settlement for `amount` instead (an amount mismatch unless it equals the expected one);
 * - `decline`: declined with `declineReason`;
 * - `not_found`: no record;
 * - `unavailable`: the whole lookup request answers 503;
 * - `hang`: the whole lookup request never answers (until the client gives up).
 * `delayMs` delays the answer; `times` applies the behaviour to that many lookups, then it lapses.
 */
export const BehaviourSchema = z
  .strictObject({
    respond: z.enum(RESPONSES, { error: `respond must be one of ${RESPONSES.join(", ")}` }).default("as_recorded"),
    amount: NonNegativeMoneySchema.optional(),
    declineReason: reason.optional(),
    delayMs: z.number().int().min(0).max(600_000, "delayMs is at most 600000 (10 minutes)").default(0),
    times: z.number().int().min(1, "times must be at least 1; omit it for a lasting behaviour").optional(),
  })
  .superRefine((b, ctx) => {
    if (b.respond === "amount" && b.amount === undefined) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: 'respond "amount" needs the amount to answer with' });
    }
  });
export type Behaviour = z.output<typeof BehaviourSchema>;
