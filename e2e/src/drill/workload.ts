/**
 * One register's cashier, as the drill plays it: a realistic mix of sales (a share with split
 * tenders, offline card approvals while the store's link is cut), returns and exchanges, each
 * posted with an Idempotency-Key so an unanswered request can be resolved later.
 */
import { randomUUID } from "node:crypto";
import {
  exchange,
  itemRefund,
  money,
  RecordedTransactionSchema,
  type Sealed,
  SealedSchema,
  StoreCreditAnswerSchema,
  type StoredValueKind,
} from "@tenderline/shared";
import { z } from "zod";
import type { ClientOp, OpOutcome } from "./history-checker.ts";

/** A recorded answer as the drill reads it: a return's or exchange's store credit number is printed once, in it. */
const AnsweredSchema = RecordedTransactionSchema.extend({ storeCredit: StoreCreditAnswerSchema.optional() });
type RecordedTransaction = z.infer<typeof AnsweredSchema>;

export interface CatalogueItem {
  sku: string;
  description: string;
  price: number;
  /** Tax in basis points of the price. */
  taxBp: number;
}

export const DRILL_CATALOGUE: CatalogueItem[] = [
  { sku: "TEE-M-BLK", description: "Tee, black, M", price: 1999, taxBp: 825 },
  { sku: "CAP-RED", description: "Cap, red", price: 1250, taxBp: 825 },
  { sku: "SOCK-3PK", description: "Socks, 3 pack", price: 899, taxBp: 825 },
  { sku: "MUG-LOGO", description: "Mug, logo", price: 1500, taxBp: 825 },
  { sku: "BAG-TOTE", description: "Tote bag", price: 2400, taxBp: 825 },
  { sku: "PEN-SET", description: "Pen set", price: 650, taxBp: 0 },
];

interface SaleLine {
  sku: string;
  description: string;
  quantity: number;
  unitPrice: { amount: number; currency: string };
  tax: { amount: number; currency: string };
}

interface KnownSale {
  transactionId: string;
  /** Where it was sold: a register, or an order channel instance. */
  registerId: string;
  storeId: string;
  lines: SaleLine[];
  /** Units taken for return so far, by every register (the board's sales are shared). */
  returned: Map<string, number>;
}

/**
 * Every sale and online order of the fleet, for returns made somewhere else: at another register
 * of the store, in another store, or in a store for an online order.
 */
export class SalesBoard {
  private readonly sales: KnownSale[] = [];
  /** Gift cards sold in the drill, redeemable and reloadable at any register; balances as the drill expects them. */
  readonly giftCards: Array<{ number: string; balance: number }> = [];
  /** Store credit the drill's returns issued (numbers off their receipts), spendable at any register. */
  readonly storeCredits: Array<{ number: string; balance: number }> = [];
  /** Sales paid (in part) with store credit that a register recorded. */
  storeCreditSpent = 0;

  /** Keeps the store credit a recorded return or exchange printed, for a later sale to spend. */
  keepCredit(answer: RecordedTransaction | undefined): void {
    const credit = answer?.storeCredit;
    if (credit?.number && credit.amount.amount > 0)
      this.storeCredits.push({ number: credit.number, balance: credit.amount.amount });
  }

  publish(sale: KnownSale): void {
    this.sales.push(sale);
    if (this.sales.length > 2000) this.sales.shift();
  }

  /** A sale made elsewhere than `registerId` with a unit left to return. */
  pickElsewhere(registerId: string, random: () => number): { sale: KnownSale; line: SaleLine } | undefined {
    for (let i = 0; i < 8 && this.sales.length > 0; i++) {
      const sale = this.sales[Math.floor(random() * this.sales.length)] as KnownSale;
      if (sale.registerId === registerId) continue;
      const line = sale.lines[Math.floor(random() * sale.lines.length)] as SaleLine;
      if ((sale.returned.get(line.sku) ?? 0) < line.quantity) return { sale, line };
    }
    return undefined;
  }
}

/** The drill's gift card range: numbers in it pass the register's card-number guard as gift cards. */
export const DRILL_GIFT_PREFIX = "603571";

/** A small deterministic PRNG so a drill's workload can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RegisterClientOptions {
  registerId: string;
  storeId: string;
  /** The fleet's sales, shared by every register's client: returns anywhere draw on it. */
  board?: SalesBoard;
  /** The agent's base URL now (it changes if the agent restarts on another port). */
  baseUrl: () => string;
  /** Whether the store's link is cut right now: the card terminal then approves offline. */
  linkDown: () => boolean;
  random: () => number;
  requestTimeoutMs?: number;
}

export class RegisterClient {
  readonly ops: ClientOp[] = [];
  private readonly pendingRequests = new Map<string, { path: string; body: unknown }>();
  private readonly sales: KnownSale[] = [];
  private txnCounter = 0;

  constructor(private readonly options: RegisterClientOptions) {}

  private line(item: CatalogueItem, quantity: number): SaleLine {
    const tax = Math.round((item.price * quantity * item.taxBp) / 10_000);
    return {
      sku: item.sku,
      description: item.description,
      quantity,
      unitPrice: money(item.price, "USD"),
      tax: money(tax, "USD"),
    };
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.options.random() * items.length)] as T;
  }

  private cardTender(amount: number) {
    const offline = this.options.linkDown();
    const terminalTxnId = `T-${this.options.registerId}-${++this.txnCounter}-${randomUUID().slice(0, 8)}`;
    return {
      type: "card",
      amount: money(amount, "USD"),
      card: {
        token: `tok_${randomUUID().slice(0, 12)}`,
        last4: String(1000 + Math.floor(this.options.random() * 9000)),
        brand: this.pick(["visa", "mastercard", "amex"]),
        entryMode: this.pick(["chip", "contactless"]),
        terminalTxnId,
        authCode: offline ? null : `A${terminalTxnId.slice(-6)}`,
        processorRef: offline ? null : `PR-${terminalTxnId}`,
      },
      offline,
    };
  }

  private saleBody() {
    const lines = Array.from({ length: 1 + Math.floor(this.options.random() * 3) }, () =>
      this.line(this.pick(DRILL_CATALOGUE), 1 + Math.floor(this.options.random() * 2)),
    );
    const total = lines.reduce((s, l) => s + l.unitPrice.amount * l.quantity + l.tax.amount, 0);
    const r = this.options.random();
    let tenders: unknown[];
    if (r < 0.3) {
      const card = Math.floor(total / 2);
      tenders = [
        this.cardTender(card),
        { type: "cash", amount: money(total - card, "USD"), tendered: money(total - card + 500, "USD") },
      ];
    } else if (r < 0.75) tenders = [this.cardTender(total)];
    else tenders = [{ type: "cash", amount: money(total, "USD"), tendered: money(Math.ceil(total / 1000) * 1000, "USD") }];
    return { cashierId: `c-${this.options.registerId}`, lines, tenders };
  }

  private returnable(): { sale: KnownSale; line: SaleLine } | undefined {
    for (let i = 0; i < 5 && this.sales.length > 0; i++) {
      const sale = this.pick(this.sales);
      const line = this.pick(sale.lines);
      if ((sale.returned.get(line.sku) ?? 0) < line.quantity) return { sale, line };
    }
    return undefined;
  }

  /** Plays one cashier action and records what the client was told. */
  async step(): Promise<void> {
    const r = this.options.random();
    const elsewhere =
      r >= 0.15 && r < 0.19 ? this.options.board?.pickElsewhere(this.options.registerId, this.options.random) : undefined;
    if (elsewhere) {
      // A return of a sale made at another register, in another store or online: the agent checks
      // it against the cloud's ledger. The price per unit the cashier reads off the receipt (price
      // plus the unit's share of tax, rounded down) is given for when no region can be reached.
      const { sale, line } = elsewhere;
      sale.returned.set(line.sku, (sale.returned.get(line.sku) ?? 0) + 1);
      const unitPrice = money(line.unitPrice.amount + Math.floor(line.tax.amount / line.quantity), line.unitPrice.currency);
      const answer = await this.send("/api/v1/returns", {
        cashierId: `c-${this.options.registerId}`,
        items: [{ transactionId: sale.transactionId, sku: line.sku, quantity: 1, unitPrice }],
        reason: "customer return, bought elsewhere",
      });
      this.options.board?.keepCredit(answer);
      return;
    }
    if (r >= 0.19 && r < 0.23 && this.options.board) {
      await this.giftCardStep(this.options.board, r);
      return;
    }
    const candidate = this.returnable();
    if (r < 0.1 && candidate) {
      const { sale, line } = candidate;
      sale.returned.set(line.sku, (sale.returned.get(line.sku) ?? 0) + 1);
      // Some customers take store credit instead of their money back.
      const answer = await this.send("/api/v1/returns", {
        cashierId: `c-${this.options.registerId}`,
        items: [{ transactionId: sale.transactionId, sku: line.sku, quantity: 1 }],
        reason: "customer return",
        ...(r < 0.03 && this.options.board ? { refundTo: "store_credit" } : {}),
      });
      this.options.board?.keepCredit(answer);
      return;
    }
    if (r < 0.15 && candidate) {
      const { sale, line } = candidate;
      const already = sale.returned.get(line.sku) ?? 0;
      sale.returned.set(line.sku, already + 1);
      const refund = itemRefund({ ...line, description: line.description }, already, 1).amount;
      const newLine = this.line(this.pick(DRILL_CATALOGUE), 1);
      const newTotal = newLine.unitPrice.amount + newLine.tax.amount;
      const net = newTotal - refund;
      const answer = await this.send("/api/v1/exchanges", {
        cashierId: `c-${this.options.registerId}`,
        returnItems: [{ transactionId: sale.transactionId, sku: line.sku, quantity: 1 }],
        lines: [newLine],
        tenders: net > 0 ? [{ type: "cash", amount: money(net, "USD"), tendered: money(net + 100, "USD") }] : [],
        reason: "exchange",
        ...(net < 0 && r < 0.12 && this.options.board ? { refundTo: "store_credit" } : {}),
      });
      this.options.board?.keepCredit(answer);
      return;
    }
    const body = this.saleBody();
    const answer = await this.send("/api/v1/sales", body);
    if (answer) {
      const sale: KnownSale = {
        transactionId: answer.transactionId,
        registerId: this.options.registerId,
        storeId: this.options.storeId,
        lines: body.lines,
        returned: new Map(),
      };
      this.sales.push(sale);
      this.options.board?.publish(sale);
      if (this.sales.length > 200) this.sales.shift();
    }
  }

  /** Sells, reloads or redeems a gift card: at any register, whichever sold it. */
  private async giftCardStep(board: SalesBoard, r: number): Promise<void> {
    const cashier = `c-${this.options.registerId}`;
    const card = board.giftCards[Math.floor(this.options.random() * board.giftCards.length)];
    if (!card || r < 0.2) {
      const number = `${DRILL_GIFT_PREFIX}${String(Math.floor(this.options.random() * 1e13)).padStart(13, "0")}`;
      const amount = 2000 + 500 * Math.floor(this.options.random() * 7);
      const sealed = await this.seal(number);
      if (!sealed) return;
      const sold = await this.send("/api/v1/sales", {
        cashierId: cashier,
        lines: [this.giftCardLine("activate", amount, sealed)],
        tenders: [{ type: "cash", amount: money(amount, "USD") }],
      });
      if (sold) board.giftCards.push({ number, balance: amount });
      return;
    }
    const credit = board.storeCredits[Math.floor(this.options.random() * board.storeCredits.length)];
    if (r >= 0.22 && credit && credit.balance > 0) {
      await this.spendStoreCredit(board, credit);
      return;
    }
    const sealed = await this.seal(card.number);
    if (!sealed) return;
    if (r < 0.21) {
      const reloaded = await this.send("/api/v1/sales", {
        cashierId: cashier,
        lines: [this.giftCardLine("load", 1000, sealed)],
        tenders: [{ type: "cash", amount: money(1000, "USD") }],
      });
      if (reloaded) card.balance += 1000;
      return;
    }
    const amount = Math.min(card.balance, 650 + Math.floor(this.options.random() * 2000));
    if (amount <= 0) return;
    const paid = await this.send("/api/v1/sales", {
      cashierId: cashier,
      lines: [{ sku: "PEN-SET", description: "Pen set", quantity: 1, unitPrice: money(amount, "USD"), tax: money(0, "USD") }],
      tenders: [{ type: "gift_card", amount: money(amount, "USD"), giftCard: { sealed: sealed.sealed, last4: sealed.last4 } }],
    });
    if (paid) card.balance -= amount;
  }

  /** Pays for a sale with store credit by its printed number (the rest, if any, in cash). */
  private async spendStoreCredit(board: SalesBoard, credit: { number: string; balance: number }): Promise<void> {
    const sealed = await this.seal(credit.number, "store_credit");
    if (!sealed) return;
    const item = this.pick(DRILL_CATALOGUE);
    const total = item.price;
    const amount = Math.min(credit.balance, total);
    const paid = await this.send("/api/v1/sales", {
      cashierId: `c-${this.options.registerId}`,
      lines: [
        { sku: item.sku, description: item.description, quantity: 1, unitPrice: money(total, "USD"), tax: money(0, "USD") },
      ],
      tenders: [
        { type: "store_credit", amount: money(amount, "USD"), sealed: sealed.sealed, last4: sealed.last4 },
        ...(total > amount ? [{ type: "cash", amount: money(total - amount, "USD") }] : []),
      ],
    });
    if (paid) {
      credit.balance -= amount;
      board.storeCreditSpent += 1;
    }
  }

  private giftCardLine(action: "activate" | "load", amount: number, sealed: Sealed) {
    return {
      sku: "GIFT-CARD",
      description: action === "activate" ? "Gift card" : "Gift card reload",
      quantity: 1,
      unitPrice: money(amount, "USD"),
      tax: money(0, "USD"),
      storedValue: { action, last4: sealed.last4, sealed: sealed.sealed },
    };
  }

  /** The card's number sealed by the register (the only call that carries a number); undefined if the agent does not answer. */
  private async seal(number: string, kind: StoredValueKind = "gift_card"): Promise<Sealed | undefined> {
    try {
      const answer = await exchange({
        method: "POST",
        url: `${this.options.baseUrl()}/api/v1/stored-value/seal`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ kind, number }),
        timeoutMs: this.options.requestTimeoutMs ?? 10_000,
      });
      if (answer.status !== 200 && answer.status !== 201) return undefined;
      return SealedSchema.parse(JSON.parse(answer.text));
    } catch (error) {
      // A killed agent does not answer: the cashier tries another action. A wrong answer stops the drill.
      if (!(error instanceof Error) || error instanceof z.ZodError) throw error;
      return undefined;
    }
  }

  /** Sends one request; a recorded answer (201) is checked against the shared schema, any other comes back as the status only. */
  private async post(path: string, body: unknown, key: string): Promise<{ status: number; recorded?: RecordedTransaction }> {
    // The shared exchange, not fetch: the drill drives thousands of registers from one process.
    const answer = await exchange({
      method: "POST",
      url: `${this.options.baseUrl()}${path}`,
      headers: { "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify(body),
      timeoutMs: this.options.requestTimeoutMs ?? 10_000,
    });
    if (answer.status !== 201) return { status: answer.status };
    return { status: answer.status, recorded: AnsweredSchema.parse(JSON.parse(answer.text)) };
  }

  private async send(path: string, body: unknown): Promise<RecordedTransaction | undefined> {
    const opId = randomUUID();
    let outcome: OpOutcome;
    let answer: RecordedTransaction | undefined;
    try {
      const { status, recorded } = await this.post(path, body, opId);
      if (recorded) {
        outcome = { kind: "acked", eventId: recorded.eventId };
        answer = recorded;
      } else if (status >= 500 && status !== 503) {
        outcome = { kind: "unknown" };
        this.pendingRequests.set(opId, { path, body });
      } else outcome = { kind: "refused", status };
    } catch (error) {
      // No answer at all: the agent was killed, or the request timed out. Resolved after the run.
      // An answer that does not match the contract is no such thing: it stops the drill.
      if (!(error instanceof Error) || error instanceof z.ZodError) throw error;
      outcome = { kind: "unknown" };
      this.pendingRequests.set(opId, { path, body });
    }
    this.ops.push({ opId, agent: this.options.registerId, outcome });
    return answer;
  }

  /** Retries every unanswered request with its Idempotency-Key: the agent answers with what it recorded. */
  async resolveUnknowns(): Promise<void> {
    for (const op of this.ops) {
      if (op.outcome.kind !== "unknown" || op.outcome.eventId) continue;
      const request = this.pendingRequests.get(op.opId);
      if (!request) continue;
      try {
        const { recorded } = await this.post(request.path, request.body, op.opId);
        if (recorded) op.outcome = { kind: "unknown", eventId: recorded.eventId };
      } catch (error) {
        // Still no answer (a busy fleet, a timeout): it stays unknown, which the checks count as
        // unanswered, not as lost. A wrong answer stops the drill.
        if (!(error instanceof Error) || error instanceof z.ZodError) throw error;
      }
    }
  }
}
