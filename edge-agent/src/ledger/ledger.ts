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
  receipt: unknown;
  lines: LedgerLine[];
  tenders: LedgerTender[];
}

export interface NewLedgerTransaction {
  transactionId: string;
  kind: TransactionKind;
  seq: number;
  eventId: string;
  occurredAt: string;
  recordedAt: number;
  total: Money;
  receipt: unknown;
  /** Lines that can be returned later (sales and the new side of exchanges). */
  lines: readonly SaleLine[];
  /** Tenders refunds can go back to. */
  tenders: ReadonlyArray<{ tenderId: string; type: TenderType; amount: Money }>;
}

/**
 * The register's local ledger: enough of every transaction to print a receipt and to work out,
 * offline, what is still returnable per line and refundable per tender.
 */
export class Ledger {
  private readonly stmts;

  constructor(readonly db: Db) {
    this.stmts = {
      insertTx: db.prepare(
        "INSERT INTO transactions (transaction_id, kind, seq, event_id, occurred_at, recorded_at, currency, total, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      insertLine: db.prepare(
        "INSERT INTO transaction_lines (transaction_id, line_no, sku, quantity, unit_price, tax, currency) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      insertTender: db.prepare(
        "INSERT INTO transaction_tenders (transaction_id, position, tender_id, type, amount, currency) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      getTx: db.prepare(
        "SELECT transaction_id AS transactionId, kind, seq, event_id AS eventId, occurred_at AS occurredAt, recorded_at AS recordedAt, currency, total, receipt FROM transactions WHERE transaction_id = ?",
      ),
      getLines: db.prepare(
        "SELECT line_no AS lineNo, sku, quantity, unit_price AS unitPrice, tax, currency, returned FROM transaction_lines WHERE transaction_id = ? ORDER BY line_no",
      ),
      getTenders: db.prepare(
        "SELECT position, tender_id AS tenderId, type, amount, currency, refunded FROM transaction_tenders WHERE transaction_id = ? ORDER BY position",
      ),
      addReturned: db.prepare("UPDATE transaction_lines SET returned = returned + ? WHERE transaction_id = ? AND line_no = ?"),
      addRefunded: db.prepare(
        "UPDATE transaction_tenders SET refunded = refunded + ? WHERE transaction_id = ? AND tender_id = ?",
      ),
      insertRefund: db.prepare(
        "INSERT INTO refunds (refund_transaction_id, original_transaction_id, tender_id, amount, currency) VALUES (?, ?, ?, ?, ?)",
      ),
    };
  }

  insert(tx: NewLedgerTransaction): void {
    this.stmts.insertTx.run(
      tx.transactionId,
      tx.kind,
      tx.seq,
      tx.eventId,
      tx.occurredAt,
      tx.recordedAt,
      tx.total.currency,
      tx.total.amount,
      JSON.stringify(tx.receipt),
    );
    tx.lines.forEach((l, i) => {
      this.stmts.insertLine.run(tx.transactionId, i, l.sku, l.quantity, l.unitPrice.amount, l.tax.amount, l.unitPrice.currency);
    });
    tx.tenders.forEach((t, i) => {
      this.stmts.insertTender.run(tx.transactionId, i, t.tenderId, t.type, t.amount.amount, t.amount.currency);
    });
  }

  get(transactionId: string): LedgerTransaction | undefined {
    const row = this.stmts.getTx.get(transactionId) as
      | (Omit<LedgerTransaction, "receipt" | "lines" | "tenders"> & { receipt: string })
      | undefined;
    if (!row) return undefined;
    return {
      ...row,
      receipt: JSON.parse(row.receipt),
      lines: this.stmts.getLines.all(transactionId) as LedgerLine[],
      tenders: this.stmts.getTenders.all(transactionId) as LedgerTender[],
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

  addReturned(transactionId: string, lineNo: number, quantity: number): void {
    this.stmts.addReturned.run(quantity, transactionId, lineNo);
  }

  addRefund(refundTransactionId: string, originalTransactionId: string, tenderId: string, amount: Money): void {
    this.stmts.addRefunded.run(amount.amount, originalTransactionId, tenderId);
    this.stmts.insertRefund.run(refundTransactionId, originalTransactionId, tenderId, amount.amount, amount.currency);
  }
}
