import type { TenderEvent } from "@tenderline/shared";
import type { TokenKind } from "../auth/tokens.ts";

/**
 * Who writes a batch, as far as the event types it may record go: a register (its own credential
 * or its store's tooling credential) records everything a till does; an order channel (its own
 * `channel` credential) records online orders, `order.completed`, and nothing else.
 */
export type BatchWriter = "register" | "channel";

/** The credential kinds that may post batches, and which writer each one is. */
export const BATCH_WRITER_KINDS = ["store", "register", "channel"] as const satisfies readonly TokenKind[];

export function batchWriterOf(kind: TokenKind): BatchWriter {
  return kind === "channel" ? "channel" : "register";
}

export const ORDER_EVENT_TYPE = "order.completed" satisfies TenderEvent["type"];

/** The reason an event is rejected for a type its writer may not record (retrying it can never succeed). */
export const WRONG_EVENT_TYPE = "event_type_not_allowed";

/** Why this writer may not record an event of this type, or null when it may. */
export function typeRefusal(writer: BatchWriter, type: TenderEvent["type"]): { reason: string; detail: string } | null {
  if (writer === "channel" && type !== ORDER_EVENT_TYPE) {
    return {
      reason: WRONG_EVENT_TYPE,
      detail: `an order channel credential records only ${ORDER_EVENT_TYPE} events, not ${type}; a register records those`,
    };
  }
  if (writer === "register" && type === ORDER_EVENT_TYPE) {
    return {
      reason: WRONG_EVENT_TYPE,
      detail: `only an order channel credential records online orders (${ORDER_EVENT_TYPE}); a register or store credential cannot`,
    };
  }
  return null;
}
