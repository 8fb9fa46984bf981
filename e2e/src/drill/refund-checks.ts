/** The drill's checks of refunds over what the regions' feeds hold: pure, so they are tested on their own. */
import {
  allocateRefund,
  ExchangeCompletedSchema,
  exchangeCreditTender,
  OrderCompletedSchema,
  type OriginalTender,
  type OriginalTransaction,
  type RefundAllocationLine,
  ReturnCompletedSchema,
  SaleCompletedSchema,
} from "@tenderline/shared";
import type { FeedEventItem } from "./region-reader.ts";

interface FeedEvent {
  registerId: string;
  seq: number;
  type: string;
  payload: unknown;
}

const feedEvents = (items: readonly FeedEventItem[]): FeedEvent[] =>
  items
    .filter((i) => i.kind === "event" && i.event)
    .map((i) => i.event as NonNullable<FeedEventItem["event"]>)
    .sort((a, b) => (a.registerId === b.registerId ? a.seq - b.seq : a.registerId < b.registerId ? -1 : 1));

/** An event's payload through its shared schema; the feed holds only events a region validated, so a failure is a finding. */
function payloadOf(e: FeedEvent) {
  switch (e.type) {
    case "sale.completed":
      return { type: e.type, p: SaleCompletedSchema.parse(e.payload) } as const;
    case "order.completed":
      return { type: e.type, p: OrderCompletedSchema.parse(e.payload) } as const;
    case "exchange.completed":
      return { type: e.type, p: ExchangeCompletedSchema.parse(e.payload) } as const;
    case "return.completed":
      return { type: e.type, p: ReturnCompletedSchema.parse(e.payload) } as const;
    default:
      return undefined;
  }
}

type Parsed = NonNullable<ReturnType<typeof payloadOf>>;

/**
 * What a sale, order or exchange can be refunded to, in the register ledger's order: an exchange's
 * returned value that paid for its new items comes first (as store credit, shared
 * exchangeCreditTender), then its tenders. Left out, a later return of the exchange's new items
 * re-allocates to the tenders alone and differs from what the register rightly allocated.
 */
function refundableTenders(parsed: Parsed): OriginalTender[] {
  if (parsed.type === "return.completed") return [];
  const p = parsed.p;
  const credit =
    parsed.type === "exchange.completed"
      ? exchangeCreditTender({ transactionId: p.transactionId, returned: parsed.p.returned, totals: parsed.p.totals })
      : undefined;
  return [...(credit ? [credit] : []), ...p.tenders];
}

/**
 * Re-allocates, with the shared allocator, every return a register verified against its own
 * ledger, in that register's order, and lists any that differ. Originals also refunded at another
 * register (or an online order) are left to checkTenderRefunds: their order across registers is
 * the cloud's, not one register's.
 */
export function checkRefunds(items: readonly FeedEventItem[]): string[] {
  const events = feedEvents(items);
  const refundedAt = new Map<string, Set<string>>();
  for (const e of events) {
    const parsed = payloadOf(e);
    if (parsed?.type !== "return.completed" && parsed?.type !== "exchange.completed") continue;
    for (const line of parsed.p.allocation) {
      const at = refundedAt.get(line.originalTransactionId) ?? new Set<string>();
      at.add(e.registerId);
      refundedAt.set(line.originalTransactionId, at);
    }
  }
  const soldAt = new Map<string, string>();
  const originals = new Map<string, OriginalTransaction>();
  const mismatches: string[] = [];
  /** Per original: each event that sold or refunded it, as `register seq type tender/amount …` (for a mismatch's message). */
  const history = new Map<string, string[]>();
  const note = (transactionId: string, e: FeedEvent, what: string) =>
    history.set(transactionId, [...(history.get(transactionId) ?? []), `${e.registerId} seq ${e.seq} ${e.type} ${what}`]);
  const refunded = (lines: readonly RefundAllocationLine[], e?: FeedEvent) => {
    for (const line of lines) {
      if (e) note(line.originalTransactionId, e, `${line.tenderId}/${line.amount.amount}`);
      const o = originals.get(line.originalTransactionId);
      if (o)
        originals.set(o.transactionId, {
          ...o,
          priorRefunds: [...o.priorRefunds, { tenderId: line.tenderId, amount: line.amount }],
        });
    }
  };
  const local = (transactionId: string, registerId: string) =>
    soldAt.get(transactionId) === registerId && [...(refundedAt.get(transactionId) ?? [])].every((r) => r === registerId);
  for (const e of events) {
    const parsed = payloadOf(e);
    if (!parsed) continue;
    if (parsed.type === "sale.completed" || parsed.type === "exchange.completed" || parsed.type === "order.completed") {
      soldAt.set(parsed.p.transactionId, e.registerId);
      originals.set(parsed.p.transactionId, {
        transactionId: parsed.p.transactionId,
        tenders: refundableTenders(parsed),
        priorRefunds: [],
      });
      note(parsed.p.transactionId, e, "sold");
      if (parsed.type === "exchange.completed") refunded(parsed.p.allocation, e);
    } else if (parsed.type === "return.completed" && parsed.p.verified && parsed.p.verifiedBy !== "cloud") {
      const p = parsed.p;
      if (!p.items.every((item) => local(item.originalTransactionId, e.registerId))) {
        refunded(p.allocation, e);
        continue;
      }
      const perOriginal = new Map<string, { amount: number; currency: string }>();
      for (const item of p.items) {
        const sum = perOriginal.get(item.originalTransactionId);
        perOriginal.set(item.originalTransactionId, {
          amount: (sum?.amount ?? 0) + item.refund.amount,
          currency: item.refund.currency,
        });
      }
      try {
        const expected = allocateRefund(
          [...originals.values()],
          [...perOriginal].map(([transactionId, amount]) => ({ transactionId, amount })),
        );
        const key = (l: RefundAllocationLine) => `${l.originalTransactionId}/${l.tenderId}/${l.amount.amount}`;
        const want = expected.map(key).sort().join(" ");
        const got = p.allocation.map(key).sort().join(" ");
        // Tender ids and amounts only: enough to see which tender the two disagree on, and no secret.
        if (want !== got) {
          // What came before on these originals, in the order re-allocated: which refund the two disagree about.
          const before = (history.get(p.items[0]?.originalTransactionId ?? "") ?? []).join("; ");
          mismatches.push(
            `return ${p.transactionId} (${e.registerId} seq ${e.seq}) allocated differently: register ${got}, expected ${want}; before it on that original: ${before || "nothing"}`,
          );
        }
      } catch (error) {
        mismatches.push(`return ${p.transactionId}: ${error instanceof Error ? error.message : String(error)}`);
      }
      refunded(p.allocation, e);
    }
  }
  return mismatches;
}

/**
 * Over the whole fleet (every register, store and the online channel) as one region holds it: no
 * tender of any sale, exchange or order was refunded more than it paid, whichever registers and
 * regions the refunds went through. Lists every tender that was.
 */
export interface OverRefundedTender {
  originalTransactionId: string;
  tenderId: string;
  paid: number;
  refunded: number;
}

export function describeOverRefund(t: OverRefundedTender): string {
  return `${t.originalTransactionId}/${t.tenderId}: refunded ${t.refunded} of ${t.paid || "nothing paid"}`;
}

export function checkTenderRefunds(items: readonly FeedEventItem[]): { tenders: number; overRefunded: OverRefundedTender[] } {
  const paid = new Map<string, { amount: number; currency: string }>();
  const refunds = new Map<string, number>();
  for (const e of feedEvents(items)) {
    const parsed = payloadOf(e);
    if (!parsed) continue;
    for (const t of refundableTenders(parsed)) paid.set(`${parsed.p.transactionId}/${t.tenderId}`, t.amount);
    if (parsed.type === "return.completed" || parsed.type === "exchange.completed") {
      for (const line of parsed.p.allocation) {
        const key = `${line.originalTransactionId}/${line.tenderId}`;
        refunds.set(key, (refunds.get(key) ?? 0) + line.amount.amount);
      }
    }
  }
  const overRefunded = [...refunds]
    .filter(([key, amount]) => amount > (paid.get(key)?.amount ?? 0))
    .map(([key, refunded]) => {
      const [originalTransactionId = "", tenderId = ""] = key.split("/");
      return { originalTransactionId, tenderId, paid: paid.get(key)?.amount ?? 0, refunded };
    });
  return { tenders: refunds.size, overRefunded };
}
