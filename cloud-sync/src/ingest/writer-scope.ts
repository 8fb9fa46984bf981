import { checkEventArithmetic, type TenderEvent } from "@tenderline/shared";
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

/**
 * What is wrong with an online order beyond its schema: its money must add up as a sale's does
 * (lines, tax, totals, tenders), and its card tenders were taken by the channel's payment gateway
 * (`entryMode: "ecommerce"`), approved online with the processor's authCode and processorRef,
 * never offline: an order leaves no reconciliation work. null for any other type, or a good order.
 */
export function orderProblem(event: TenderEvent): { reason: string; detail: string } | null {
  if (event.type !== ORDER_EVENT_TYPE) return null;
  for (const [i, tender] of event.payload.tenders.entries()) {
    if (tender.type !== "card") continue;
    const field = `payload.tenders[${i}]`;
    if (tender.offline) {
      return { reason: "invalid", detail: `${field} is offline; an online order's card tender is approved online` };
    }
    if (tender.card.entryMode !== "ecommerce") {
      return { reason: "invalid", detail: `${field}.card.entryMode must be ecommerce for an online order` };
    }
    if (tender.card.authCode === null || tender.card.processorRef === null) {
      return {
        reason: "invalid",
        detail: `${field}.card needs the processor's authCode and processorRef: an online order's card is refunded by them`,
      };
    }
  }
  // The order's lines, totals and tenders add up exactly as a sale's do.
  return checkEventArithmetic({ ...event, type: "sale.completed" });
}
