import {
  isReceiptNumber,
  type Money,
  normalizeReceiptNumber,
  type OriginalTransaction,
  type SaleLine,
  ServiceError,
  type TenderType,
} from "@tenderline/shared";
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
  /** The short number printed and barcoded on the receipt; null for returns and for sales recorded before receipt numbers. */
  receiptNumber: string | null;
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
  /** The sale's receipt number (the one in its payload), indexed for lookups. */
  receiptNumber?: string;
}

interface LedgerState {
  lines: LedgerLine[];
  tenders: LedgerTender[];
}

interface Row {
  seq: number;
  transactionId: string;
  receiptNumber: string | null;
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

const SELECT =
  "SELECT t.seq, t.transaction_id AS transactionId, t.receipt_number AS receiptNumber, t.kind, t.recorded_at AS recordedAt, t.currency, t.total, COALESCE(t.receipt, o.body) AS body, t.state FROM transactions t LEFT JOIN outbox o ON o.seq = t.seq";

/** Has the shape of a receipt number (`…-<digits>-<check>`), right check character or not; a transaction id (a UUID) never does. */
const RECEIPT_NUMBER_SHAPE = /^[0-9A-Z*][0-9A-Z*-]*-\d+-[0-9A-Z*]$/;

/** What a cashier typed or scanned to find a receipt: a transaction id or a receipt number. */
export type ReceiptRef = { kind: "transactionId"; transactionId: string } | { kind: "receiptNumber"; receiptNumber: string };

/**
 * Reads a receipt reference. A receipt number is taken in any case, spaces around it trimmed; one
 * whose check character is wrong (a mistyped or misread character) is refused with 422
 * `invalid_receipt_number`, so it is re-typed or scanned rather than reported as not found.
 */
export function parseReceiptRef(ref: string): ReceiptRef {
  const trimmed = ref.trim();
  const normalized = normalizeReceiptNumber(trimmed);
  if (RECEIPT_NUMBER_SHAPE.test(normalized)) {
    if (!isReceiptNumber(normalized)) {
      throw new ServiceError(
        422,
        "invalid_receipt_number",
        `${normalized} is not a valid receipt number (its check character does not match): re-type it from the receipt or scan its barcode`,
      );
    }
    return { kind: "receiptNumber", receiptNumber: normalized };
  }
  return { kind: "transactionId", transactionId: trimmed };
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
        "INSERT INTO transactions (transaction_id, seq, kind, recorded_at, currency, total, state, receipt_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      get: db.prepare(`${SELECT} WHERE t.transaction_id = ?`),
      byReceiptNumber: db.prepare(`${SELECT} WHERE t.receipt_number = ?`),
      idOfReceiptNumber: db.prepare("SELECT transaction_id FROM transactions WHERE receipt_number = ?").pluck(),
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
      tx.receiptNumber ?? null,
    );
  }

  private read(
    transactionId: string,
    by: "transactionId" | "receiptNumber" = "transactionId",
  ): { row: Row; event: { eventId: string; occurredAt: string; payload: unknown }; state: LedgerState } | undefined {
    const row = (by === "transactionId" ? this.stmts.get : this.stmts.byReceiptNumber).get(transactionId) as Row | undefined;
    if (!row) return undefined;
    if (row.body === null) throw new LedgerIntegrityError(row.transactionId);
    const event = JSON.parse(row.body) as { eventId: string; occurredAt: string; payload: ReceiptPayload };
    const state =
      row.state === null
        ? stateOf(event.payload.lines ?? [], event.payload.tenders ?? [])
        : (JSON.parse(row.state) as LedgerState);
    return { row, event, state };
  }

  /**
   * A transaction by its id or by its receipt number (any case, spaces trimmed: see
   * parseReceiptRef, which throws 422 `invalid_receipt_number` for a number with a wrong check
   * character). The answer's `transactionId` is always the transaction's id.
   */
  get(ref: string): LedgerTransaction | undefined {
    const parsed = parseReceiptRef(ref);
    const found =
      parsed.kind === "receiptNumber" ? this.read(parsed.receiptNumber, "receiptNumber") : this.read(parsed.transactionId);
    if (!found) return undefined;
    const { row, event, state } = found;
    return {
      transactionId: row.transactionId,
      kind: row.kind,
      seq: row.seq,
      receiptNumber: row.receiptNumber,
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

  /** The id of the transaction with this (normalized) receipt number, read from its index without the receipt. */
  transactionIdByReceiptNumber(receiptNumber: string): string | undefined {
    return this.stmts.idOfReceiptNumber.get(receiptNumber) as string | undefined;
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
