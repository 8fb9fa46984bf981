import { z } from "zod";
import { isEventId } from "../ids/event-id.ts";
import { findPanFields, formatPath } from "../pan/pan-guard.ts";
import {
  ExchangeCompletedSchema,
  OrderCompletedSchema,
  ReturnCompletedSchema,
  SaleCompletedSchema,
  SaleVoidedSchema,
  StoredValueVoidedSchema,
  TenderDetailsUpdatedSchema,
} from "./payloads.ts";

const common = {
  eventId: z.string().refine(isEventId, "eventId must be a UUIDv7 minted when the event was recorded"),
  storeId: z.string().min(1, "storeId is required").max(64),
  registerId: z.string().min(1, "registerId is required").max(64),
  seq: z.number().int("seq must be a whole number").positive("seq starts at 1"),
  occurredAt: z.iso.datetime({
    offset: true,
    message: "occurredAt must be ISO-8601 with an offset, e.g. 2026-11-26T09:30:00.000Z",
  }),
  schemaVersion: z.number().int().positive("schemaVersion starts at 1"),
};

const EnvelopeUnion = z.discriminatedUnion(
  "type",
  [
    z.object({ ...common, type: z.literal("sale.completed"), payload: SaleCompletedSchema }),
    z.object({ ...common, type: z.literal("order.completed"), payload: OrderCompletedSchema }),
    z.object({ ...common, type: z.literal("return.completed"), payload: ReturnCompletedSchema }),
    z.object({ ...common, type: z.literal("exchange.completed"), payload: ExchangeCompletedSchema }),
    z.object({ ...common, type: z.literal("sale.voided"), payload: SaleVoidedSchema }),
    z.object({ ...common, type: z.literal("tender.details_updated"), payload: TenderDetailsUpdatedSchema }),
    z.object({ ...common, type: z.literal("stored_value.voided"), payload: StoredValueVoidedSchema }),
  ],
  {
    error:
      "type must be one of sale.completed, order.completed, return.completed, exchange.completed, sale.voided, tender.details_updated, stored_value.voided",
  },
);

/** Refuses a full card number anywhere in the value, naming the field and never the digits. */
export function rejectPans(value: unknown, ctx: z.RefinementCtx): void {
  for (const path of findPanFields(value)) {
    ctx.addIssue({
      code: "custom",
      path: path.map((p) => (p === "(key)" ? "(key)" : p)),
      message: `a full card number is not allowed in ${formatPath(path)}; send the card token and last four digits only`,
      params: { reason: "pan_detected" },
    });
  }
}

/**
 * Every fact a register records. The PAN check runs on the raw input before the shape is checked,
 * so a card number is refused even in a field the schema would otherwise strip.
 */
export const TenderEventSchema = z.unknown().superRefine(rejectPans).pipe(EnvelopeUnion);
export type TenderEvent = z.infer<typeof EnvelopeUnion>;
export type TenderEventOf<T extends TenderEvent["type"]> = Extract<TenderEvent, { type: T }>;

export const CURRENT_SCHEMA_VERSION = 1;
