import type { Money, OriginalTransaction, SaleLine, TenderType } from "@tenderline/shared";
import type { Db } from "../storage/database.ts";

export type TransactionKind = "sale" | "return" | "exchange";

export interface LedgerLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPrice: number;
  tax: number;
  currency: string;
  returned: number;
}

export interface LedgerTender {
  position: number;
  tenderId: string;
  type: TenderType;
  amount: number;
  currency: string;
  refunded: number;
}

export interface LedgerTransaction {
  transactionId: string;
  kind: TransactionKind;
  seq: number;
  eventId: string;
  occurredAt: string;
  recordedAt: number;
  currency: string;
  total: number;
  /** The recorded event's payload: the receipt. */
  receipt: unknown;
  lines: LedgerLine[];
  tenders: LedgerTender[];
}

export interface NewLedgerTransaction {
  transactionId: string;
  kind: TransactionKind;
  seq: number;
  recordedAt: number;
  total: Money;
  /** Lines that can be returned later (sales and the new side of exchanges). */
  lines: readonly SaleLine[];
  /** Tenders refunds can go back to. */
  tenders: ReadonlyArray<{ tenderId: string; type: TenderType; amount: Money }>;
  /**
   * True when `lines` and `tenders` are exactly the recorded payload's (`payload.lines`,
   * `payload.tenders`, either absent meaning none): then nothing but the receipt is stored for
   * them until something is returned.
   */
  asInReceipt: boolean;
}

interface LedgerState {
  lines: LedgerLine[];
  tenders: LedgerTender[];
}

interface Row {
  seq: number;
  transactionId: string;
  kind: TransactionKind;
  recordedAt: number;
  currency: string;
  total: number;
  body: string | null;
  state: string | null;
}

interface ReceiptPayload {
  lines?: readonly SaleLine[];
  tenders?: ReadonlyArray<{ tenderId: string; type: TenderType; amount: Money }>;
}

export class LedgerIntegrityError extends Error {
  constructor(transactionId: string) {
    super(`ledger transaction ${transactionId} has lost its receipt (neither the outbox nor the ledger holds its event)`);
    this.name = "LedgerIntegrityError";
  }
}

function stateOf(lines: readonly SaleLine[], tenders: NewLedgerTransaction["tenders"]): LedgerState {
  return {
    lines: lines.map((l, lineNo) => ({
      lineNo,
      sku: l.sku,
      quantity: l.quantity,
      unitPrice: l.unitPrice.amount,
      tax: l.tax.amount,
      currency: l.unitPrice.currency,
      returned: 0,
    })),
    tenders: tenders.map((t, position) => ({
      position,
      tenderId: t.tenderId,
      type: t.type,
      amount: t.amount.amount,
      currency: t.amount.currency,
      refunded: 0,
    })),
  };
}

/**
 * The register's local ledger: one small row per transaction, keyed by its id. The receipt is the
 * recorded event, read from the outbox by seq (stored once; retention copies it into the ledger
 * row before it prunes the outbox row). Returned units and refunded amounts live in `state`, which
 * stays NULL while it would only repeat the receipt.
 */
export class Ledger {
  private readonly stmts;

  constructor(readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        "INSERT INTO transactions (transaction_id, seq, kind, recorded_at, currency, total, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      get: db.prepare(
        "SELECT t.seq, t.transaction_id AS transactionId, t.kind, t.recorded_at AS recordedAt, t.currency, t.total, COALESCE(t.receipt, o.body) AS body, t.state FROM transactions t LEFT JOIN outbox o ON o.seq = t.seq WHERE t.transaction_id = ?",
      ),
      setState: db.prepare("UPDATE transactions SET state = ? WHERE transaction_id = ?"),
      insertRefund: db.prepare(
        "INSERT INTO refunds (refund_transaction_id, original_transaction_id, tender_id, amount, currency) VALUES (?, ?, ?, ?, ?)",
      ),
    };
  }

  insert(tx: NewLedgerTransaction): void {
    this.stmts.insert.run(
      tx.transactionId,
      tx.seq,
      tx.kind,
      tx.recordedAt,
      tx.total.currency,
      tx.total.amount,
      tx.asInReceipt ? null : JSON.stringify(stateOf(tx.lines, tx.tenders)),
    );
  }

  private read(
    transactionId: string,
  ): { row: Row; event: { eventId: string; occurredAt: string; payload: unknown }; state: LedgerState } | undefined {
    const row = this.stmts.get.get(transactionId) as Row | undefined;
    if (!row) return undefined;
    if (row.body === null) throw new LedgerIntegrityError(transactionId);
    const event = JSON.parse(row.body) as { eventId: string; occurredAt: string; payload: ReceiptPayload };
    const state =
      row.state === null
        ? stateOf(event.payload.lines ?? [], event.payload.tenders ?? [])
        : (JSON.parse(row.state) as LedgerState);
    return { row, event, state };
  }

  get(transactionId: string): LedgerTransaction | undefined {
    const found = this.read(transactionId);
    if (!found) return undefined;
    const { row, event, state } = found;
    return {
      transactionId: row.transactionId,
      kind: row.kind,
      seq: row.seq,
      eventId: event.eventId,
      occurredAt: event.occurredAt,
      recordedAt: row.recordedAt,
      currency: row.currency,
      total: row.total,
      receipt: event.payload,
      lines: state.lines,
      tenders: state.tenders,
    };
  }

  /** The original as the shared allocator sees it: tenders and what was already refunded on each. */
  static asOriginal(tx: LedgerTransaction): OriginalTransaction {
    return {
      transactionId: tx.transactionId,
      tenders: tx.tenders.map((t) => ({
        tenderId: t.tenderId,
        type: t.type,
        amount: { amount: t.amount, currency: t.currency },
      })),
      priorRefunds: tx.tenders
        .filter((t) => t.refunded > 0)
        .map((t) => ({ tenderId: t.tenderId, amount: { amount: t.refunded, currency: t.currency } })),
    };
  }

  static lineAsSale(line: LedgerLine): SaleLine {
    return {
      sku: line.sku,
      description: "",
      quantity: line.quantity,
      unitPrice: { amount: line.unitPrice, currency: line.currency },
      tax: { amount: line.tax, currency: line.currency },
    };
  }

  /**
   * Applies a return to its originals: units returned per line, amounts refunded per tender (with
   * a refunds row each, naming the return). Runs inside the recording transaction.
   */
  applyReturn(
    refundTransactionId: string,
    returned: ReadonlyArray<{ transactionId: string; lineNo: number; quantity: number }>,
    refunds: ReadonlyArray<{ originalTransactionId: string; tenderId: string; amount: Money }>,
  ): void {
    const touched = new Map<string, LedgerState>();
    const stateOf = (id: string): LedgerState => {
      let state = touched.get(id);
      if (!state) {
        const found = this.read(id);
        if (!found) throw new Error(`ledger has no transaction ${id} to apply a return to`);
        state = found.state;
        touched.set(id, state);
      }
      return state;
    };
    for (const r of returned) {
      const line = stateOf(r.transactionId).lines[r.lineNo];
      if (!line) throw new Error(`ledger transaction ${r.transactionId} has no line ${r.lineNo}`);
      line.returned += r.quantity;
    }
    for (const r of refunds) {
      const tender = stateOf(r.originalTransactionId).tenders.find((t) => t.tenderId === r.tenderId);
      if (!tender) throw new Error(`ledger transaction ${r.originalTransactionId} has no tender ${r.tenderId}`);
      tender.refunded += r.amount.amount;
      this.stmts.insertRefund.run(refundTransactionId, r.originalTransactionId, r.tenderId, r.amount.amount, r.amount.currency);
    }
    for (const [id, state] of touched) this.stmts.setState.run(JSON.stringify(state), id);
  }
}
