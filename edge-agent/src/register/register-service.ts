import {
  computeTotals,
  type ExchangeRequest,
  exchangeCreditTender,
  type ManagerApproval,
  type Money,
  PAYLOAD_SCHEMAS,
  type RefundAllocationLine,
  type ReturnRequest,
  type SaleRequest,
  subtract,
  zero,
} from "@tenderline/shared";
import type { IdempotencyStore, StoredAnswer } from "../idempotency/idempotency-store.ts";
import { mintId } from "../ids/ids.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { OfflineCardRisk } from "../risk/offline-card-limits.ts";
import { RegisterRefusal } from "./refusal.ts";
import { allocate, planReturn } from "./return-plan.ts";
import { applyApproval, prepareTenders } from "./tenders.ts";

/** Ties a POST to its Idempotency-Key: the answer is saved in the same transaction as the event. */
export interface IdempotencyContext {
  key: string;
  hash: string;
}

export interface RecordOptions {
  idempotency?: IdempotencyContext;
  occurredAt?: string;
  /** The manager signed in at this register, who may let an offline card approval past the limits. */
  approver?: { managerId: string };
}

export interface Recorded<T> {
  status: 201 | 200;
  body: T;
  replayed: boolean;
}

/**
 * The register's use cases: each validates, checks limits and writes the event plus its ledger
 * rows in one SQLite transaction. Anything thrown before the commit leaves the database untouched.
 */
export class RegisterService {
  constructor(
    private readonly outbox: Outbox,
    private readonly ledger: Ledger,
    private readonly risk: OfflineCardRisk,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /** Runs `record` unless the key already answered; saves the first answer with the event. */
  private once<T>(options: RecordOptions, record: () => T): Recorded<T> {
    return this.outbox.transaction(() => {
      const ctx = options.idempotency;
      if (ctx) {
        const found = this.idempotency.lookup(ctx.key, ctx.hash);
        if (found.kind === "conflict") {
          throw new RegisterRefusal(
            409,
            "idempotency_conflict",
            "this Idempotency-Key was already used for a different request; use a new key for a new transaction",
          );
        }
        if (found.kind === "replay") return { status: found.answer.status as 201, body: found.answer.body as T, replayed: true };
      }
      const body = record();
      if (ctx) this.idempotency.save(ctx.key, ctx.hash, { status: 201, body } satisfies StoredAnswer);
      return { status: 201 as const, body, replayed: false };
    });
  }

  recordSale(request: SaleRequest, options: RecordOptions = {}) {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date().toISOString();
      const totals = computeTotals(request.lines);
      const prepared = prepareTenders(totals.total, request.tenders);
      const overridden = this.risk.check(prepared.offlineCards, options.approver);
      const tenders = applyApproval(prepared.tenders, overridden, approvalOf(options, occurredAt));
      const transactionId = mintId();
      const payload = PAYLOAD_SCHEMAS["sale.completed"].parse({
        transactionId,
        cashierId: request.cashierId,
        lines: request.lines,
        tenders,
        totals,
        change: prepared.change,
      });
      const recorded = this.outbox.append({ type: "sale.completed", occurredAt, payload });
      this.risk.record(recorded.seq, prepared.offlineCards, recorded.recordedAt);
      this.ledger.insert({
        transactionId,
        kind: "sale",
        seq: recorded.seq,
        recordedAt: recorded.recordedAt,
        total: totals.total,
        lines: payload.lines,
        tenders: payload.tenders,
        asInReceipt: true,
      });
      return {
        transactionId,
        eventId: recorded.eventId,
        seq: recorded.seq,
        totals,
        change: prepared.change,
        tenders: payload.tenders,
      };
    });
  }

  recordReturn(request: ReturnRequest, options: RecordOptions = {}) {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date().toISOString();
      const plan = planReturn(this.ledger, request.items, { allowUnverified: true });
      const allocation = allocate(plan, plan.perOriginal);
      const transactionId = mintId();
      const refund = plan.items.reduce(
        (s, i) => ({ amount: s.amount + i.refund.amount, currency: s.currency }),
        zero(plan.currency),
      );
      const storeCredit = plan.verified ? undefined : { creditId: mintId(), amount: plan.unverified };
      const payload = PAYLOAD_SCHEMAS["return.completed"].parse({
        transactionId,
        cashierId: request.cashierId,
        reason: request.reason,
        items: plan.items,
        refund,
        allocation,
        verified: plan.verified,
        ...(storeCredit ? { storeCredit } : {}),
      });
      const recorded = this.outbox.append({ type: "return.completed", occurredAt, payload });
      this.ledger.insert({
        transactionId,
        kind: "return",
        seq: recorded.seq,
        recordedAt: recorded.recordedAt,
        total: refund,
        lines: [],
        tenders: [],
        // A return's payload has items, not lines, and allocation, not tenders: nothing to return or refund later.
        asInReceipt: true,
      });
      this.applyReturnedLines(transactionId, plan.returnedLines, allocation);
      return {
        transactionId,
        eventId: recorded.eventId,
        seq: recorded.seq,
        refund,
        allocation,
        verified: plan.verified,
        ...(storeCredit ? { storeCredit } : {}),
        items: plan.items,
      };
    });
  }

  recordExchange(request: ExchangeRequest, options: RecordOptions = {}) {
    return this.once(options, () => {
      const occurredAt = options.occurredAt ?? new Date().toISOString();
      const plan = planReturn(this.ledger, request.returnItems, { allowUnverified: false });
      const totals = computeTotals(request.lines);
      if (totals.total.currency !== plan.currency) {
        throw new RegisterRefusal(
          422,
          "currency_mismatch",
          `the new items are in ${totals.total.currency} but the returned items in ${plan.currency}`,
        );
      }
      const returnedValue = plan.perOriginal.reduce(
        (s, p) => ({ amount: s.amount + p.amount.amount, currency: s.currency }),
        zero(plan.currency),
      );
      const net = subtract(totals.total, returnedValue);
      let tenders: ReturnType<typeof prepareTenders>["tenders"] = [];
      let change: Money | undefined;
      let allocation: RefundAllocationLine[] = [];
      let offlineCards: ReturnType<typeof prepareTenders>["offlineCards"] = [];
      if (net.amount > 0) {
        const prepared = prepareTenders(net, request.tenders);
        const overridden = this.risk.check(prepared.offlineCards, options.approver);
        tenders = applyApproval(prepared.tenders, overridden, approvalOf(options, occurredAt));
        change = prepared.change;
        offlineCards = prepared.offlineCards;
      } else {
        if (request.tenders.length > 0) {
          throw new RegisterRefusal(
            422,
            "tenders_not_needed",
            "the returned items cover the new ones; remove the tenders (the difference is refunded)",
          );
        }
        allocation = allocate(plan, refundsAfterNewSale(plan.perOriginal, totals.total));
      }
      const transactionId = mintId();
      const payload = PAYLOAD_SCHEMAS["exchange.completed"].parse({
        transactionId,
        cashierId: request.cashierId,
        reason: request.reason,
        returned: { items: plan.items, value: returnedValue },
        lines: request.lines,
        totals,
        net,
        tenders,
        allocation,
        ...(change ? { change } : {}),
        verified: true,
      });
      const recorded = this.outbox.append({ type: "exchange.completed", occurredAt, payload });
      this.risk.record(recorded.seq, offlineCards, recorded.recordedAt);
      // The returned value that paid for the new items is refundable later as store credit.
      const credit = exchangeCreditTender(payload);
      const ledgerTenders = [...(credit ? [credit] : []), ...tenders];
      this.ledger.insert({
        transactionId,
        kind: "exchange",
        seq: recorded.seq,
        recordedAt: recorded.recordedAt,
        total: totals.total,
        lines: payload.lines,
        tenders: ledgerTenders,
        asInReceipt: false,
      });
      this.applyReturnedLines(transactionId, plan.returnedLines, allocation);
      return {
        transactionId,
        eventId: recorded.eventId,
        seq: recorded.seq,
        returnedValue,
        totals,
        net,
        tenders,
        allocation,
        ...(change ? { change } : {}),
      };
    });
  }

  private applyReturnedLines(
    transactionId: string,
    lines: ReadonlyArray<{ transactionId: string; lineNo: number; quantity: number }>,
    allocation: readonly RefundAllocationLine[],
  ): void {
    this.ledger.applyReturn(transactionId, lines, allocation);
  }
}

/** Who approved, for the event: the manager's id and when, never their PIN. */
function approvalOf(options: RecordOptions, at: string): ManagerApproval | undefined {
  return options.approver ? { managerId: options.approver.managerId, at } : undefined;
}

/** The new items are paid from the returned value in the order the originals were named; the rest is refunded. */
export function refundsAfterNewSale(perOriginal: ReadonlyArray<{ transactionId: string; amount: Money }>, newTotal: Money) {
  let toPay = newTotal.amount;
  return perOriginal.map((p) => {
    const used = Math.min(toPay, p.amount.amount);
    toPay -= used;
    return { transactionId: p.transactionId, amount: { amount: p.amount.amount - used, currency: p.amount.currency } };
  });
}
