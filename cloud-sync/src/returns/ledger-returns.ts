import { normalizeReceiptNumber } from "@tenderline/shared";
import { raiseExceptions } from "../exceptions/exception-store.ts";
import type { Derived } from "../ledger/derive.ts";
import type { Queryable } from "../storage/database.ts";
import { type KnownOriginal, type UnverifiedReturnFacts, verifyUnverifiedReturn } from "./verify-unverified.ts";

type ReturnsPart = Pick<Derived, "originals" | "returnedUnits" | "unverifiedReturns" | "processorRefs">;

/**
 * Writes what a page of the log taught the returns ledger (originals, returned units, unverified
 * returns, processor references learned later), then verifies every waiting unverified return the
 * page could settle. Idempotent: a rerun of the same page changes nothing.
 */
export async function storeReturnsLedger(tx: Queryable, d: ReturnsPart): Promise<void> {
  if (d.originals.length > 0) {
    const o = d.originals;
    await tx.query(
      `INSERT INTO ledger_originals (transaction_id, receipt_number, kind, event_id, store_id, register_id, channel, occurred_at, currency)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT DO NOTHING`,
      [
        o.map((r) => r.transactionId),
        o.map((r) => r.receiptNumber),
        o.map((r) => r.kind),
        o.map((r) => r.eventId),
        o.map((r) => r.storeId),
        o.map((r) => r.registerId),
        o.map((r) => r.channel),
        o.map((r) => r.occurredAt),
        o.map((r) => r.currency),
      ],
    );
    // Lines and tenders only of the event that made the original (a second event reusing the id adds nothing).
    const lines = o.flatMap((r) => r.lines.map((l) => ({ ...l, transactionId: r.transactionId, eventId: r.eventId })));
    await tx.query(
      `INSERT INTO ledger_original_lines (transaction_id, line_no, sku, description, quantity, unit_price, tax, currency)
       SELECT k.transaction_id, k.line_no, k.sku, k.description, k.quantity, k.unit_price, k.tax, k.currency
       FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::bigint[], $9::text[])
         AS k(transaction_id, event_id, line_no, sku, description, quantity, unit_price, tax, currency)
       JOIN ledger_originals o ON o.transaction_id = k.transaction_id AND o.event_id = k.event_id
       ON CONFLICT DO NOTHING`,
      [
        lines.map((l) => l.transactionId),
        lines.map((l) => l.eventId),
        lines.map((l) => l.lineNo),
        lines.map((l) => l.sku),
        lines.map((l) => l.description),
        lines.map((l) => l.quantity),
        lines.map((l) => l.unitPrice),
        lines.map((l) => l.tax),
        lines.map((l) => l.currency),
      ],
    );
    const tenders = o.flatMap((r) => r.tenders.map((t) => ({ ...t, transactionId: r.transactionId, eventId: r.eventId })));
    if (tenders.length > 0) {
      await tx.query(
        `INSERT INTO ledger_original_tenders (transaction_id, tender_no, tender_id, tender_type, amount, currency,
           card_brand, card_last4, card_token, processor_ref, gift_card_last4)
         SELECT k.transaction_id, k.tender_no, k.tender_id, k.tender_type, k.amount, k.currency,
           k.card_brand, k.card_last4, k.card_token, k.processor_ref, k.gift_card_last4
         FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
           AS k(transaction_id, event_id, tender_no, tender_id, tender_type, amount, currency,
                card_brand, card_last4, card_token, processor_ref, gift_card_last4)
         JOIN ledger_originals o ON o.transaction_id = k.transaction_id AND o.event_id = k.event_id
         ON CONFLICT DO NOTHING`,
        [
          tenders.map((t) => t.transactionId),
          tenders.map((t) => t.eventId),
          tenders.map((t) => t.tenderNo),
          tenders.map((t) => t.tenderId),
          tenders.map((t) => t.type),
          tenders.map((t) => t.amount),
          tenders.map((t) => t.currency),
          tenders.map((t) => t.card?.brand ?? null),
          tenders.map((t) => t.card?.last4 ?? null),
          tenders.map((t) => t.card?.token ?? null),
          tenders.map((t) => t.card?.processorRef ?? null),
          tenders.map((t) => t.giftCardLast4),
        ],
      );
    }
  }
  if (d.processorRefs.length > 0) {
    // In log order; the first reference a tender learns stays.
    const p = d.processorRefs;
    await tx.query(
      `UPDATE ledger_original_tenders t SET processor_ref = k.processor_ref
       FROM (SELECT DISTINCT ON (transaction_id, tender_id) * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY
               AS u(transaction_id, tender_id, processor_ref, n) ORDER BY transaction_id, tender_id, n) AS k
       WHERE t.transaction_id = k.transaction_id AND t.tender_id = k.tender_id AND t.card_token IS NOT NULL AND t.processor_ref IS NULL`,
      [p.map((r) => r.transactionId), p.map((r) => r.tenderId), p.map((r) => r.processorRef)],
    );
  }
  if (d.returnedUnits.length > 0) {
    const u = d.returnedUnits;
    await tx.query(
      `INSERT INTO returned_units (return_event_id, item_no, original_ref, original_norm, sku, quantity)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[])
       ON CONFLICT DO NOTHING`,
      [
        u.map((r) => r.returnEventId),
        u.map((r) => r.itemNo),
        u.map((r) => r.originalRef),
        u.map((r) => r.originalNorm),
        u.map((r) => r.sku),
        u.map((r) => r.quantity),
      ],
    );
  }
  if (d.unverifiedReturns.length > 0) {
    const r = d.unverifiedReturns;
    await tx.query(
      `INSERT INTO unverified_returns (return_event_id, transaction_id, store_id, register_id, occurred_at, refund_amount, currency, approved_by)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[])
       ON CONFLICT DO NOTHING`,
      [
        r.map((x) => x.returnEventId),
        r.map((x) => x.transactionId),
        r.map((x) => x.storeId),
        r.map((x) => x.registerId),
        r.map((x) => x.occurredAt),
        r.map((x) => x.refund),
        r.map((x) => x.currency),
        r.map((x) => x.approvedBy),
      ],
    );
    const items = r.flatMap((x) => x.items.map((i) => ({ ...i, returnEventId: x.returnEventId })));
    await tx.query(
      `INSERT INTO unverified_return_items (return_event_id, item_no, original_ref, original_norm, sku, quantity, refund_amount, currency)
       SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::text[])
       ON CONFLICT DO NOTHING`,
      [
        items.map((i) => i.returnEventId),
        items.map((i) => i.itemNo),
        items.map((i) => i.originalRef),
        items.map((i) => i.originalNorm),
        items.map((i) => i.sku),
        items.map((i) => i.quantity),
        items.map((i) => i.refund),
        items.map((i) => i.currency),
      ],
    );
  }
  const refs = d.originals.map((o) => o.transactionId);
  const receipts = d.originals.flatMap((o) => (o.receiptNumber ? [o.receiptNumber] : []));
  await verifyWaiting(tx, {
    returnEventIds: d.unverifiedReturns.map((r) => r.returnEventId),
    transactionIds: refs,
    receiptNumbers: receipts,
  });
}

/**
 * Verifies the waiting unverified returns that are new, or that name one of these originals (by
 * transaction id or receipt number). Returns how many were settled (verified or mismatch).
 */
export async function verifyWaiting(
  tx: Queryable,
  touched: { returnEventIds: readonly string[]; transactionIds: readonly string[]; receiptNumbers: readonly string[] },
): Promise<number> {
  if (touched.returnEventIds.length + touched.transactionIds.length + touched.receiptNumbers.length === 0) return 0;
  const waiting = await tx.query<{
    return_event_id: string;
    transaction_id: string;
    store_id: string;
    register_id: string;
    occurred_at: string;
    approved_by: string | null;
  }>(
    `SELECT u.return_event_id::text, u.transaction_id, u.store_id, u.register_id, u.occurred_at, u.approved_by
     FROM unverified_returns u
     WHERE u.status = 'waiting' AND (u.return_event_id = ANY($1::uuid[]) OR EXISTS (
       SELECT 1 FROM unverified_return_items i WHERE i.return_event_id = u.return_event_id
         AND (i.original_ref = ANY($2::text[]) OR i.original_norm = ANY($3::text[]))))
     ORDER BY u.return_event_id`,
    [touched.returnEventIds, touched.transactionIds, touched.receiptNumbers],
  );
  if (waiting.length === 0) return 0;
  const ids = waiting.map((w) => w.return_event_id);
  const items = await tx.query<{
    return_event_id: string;
    original_ref: string;
    original_norm: string;
    sku: string;
    quantity: number;
    refund_amount: number;
    currency: string;
  }>(
    `SELECT return_event_id::text, original_ref, original_norm, sku, quantity, refund_amount, currency
     FROM unverified_return_items WHERE return_event_id = ANY($1::uuid[]) ORDER BY return_event_id, item_no`,
    [ids],
  );
  const originals = await knownOriginals(
    tx,
    items.map((i) => i.original_ref),
  );
  const find = (ref: string) => originals.get(ref) ?? originals.get(normalizeReceiptNumber(ref));
  const settled: Array<{ id: string; status: "verified" | "mismatch"; reason: string | null }> = [];
  const exceptions = [];
  for (const w of waiting) {
    const facts: UnverifiedReturnFacts = {
      returnEventId: w.return_event_id,
      transactionId: w.transaction_id,
      storeId: w.store_id,
      registerId: w.register_id,
      occurredAt: w.occurred_at,
      approvedBy: w.approved_by,
      items: items
        .filter((i) => i.return_event_id === w.return_event_id)
        .map((i) => ({
          originalRef: i.original_ref,
          sku: i.sku,
          quantity: Number(i.quantity),
          refund: Number(i.refund_amount),
          currency: i.currency,
        })),
    };
    const verdict = verifyUnverifiedReturn(facts, find);
    if (verdict.status === "waiting") continue;
    if (verdict.status === "mismatch") exceptions.push(verdict.exception);
    settled.push({
      id: w.return_event_id,
      status: verdict.status,
      reason: verdict.status === "mismatch" ? verdict.reason : null,
    });
  }
  if (settled.length > 0) {
    await tx.query(
      `UPDATE unverified_returns u SET status = k.status, reason = k.reason, checked_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(id, status, reason)
       WHERE u.return_event_id = k.id AND u.status = 'waiting'`,
      [settled.map((s) => s.id), settled.map((s) => s.status), settled.map((s) => s.reason)],
    );
  }
  await raiseExceptions(tx, exceptions);
  return settled.length;
}

/** The originals these refs name (a transaction id, or a receipt number in any case), keyed by both. */
async function knownOriginals(q: Queryable, refs: readonly string[]): Promise<Map<string, KnownOriginal>> {
  const norms = refs.map(normalizeReceiptNumber);
  const rows = await q.query<{
    transaction_id: string;
    receipt_number: string | null;
    sku: string;
    quantity: number;
    unit_price: number;
    tax: number;
    currency: string;
  }>(
    `SELECT o.transaction_id, o.receipt_number, l.sku, l.quantity, l.unit_price, l.tax, l.currency
     FROM ledger_originals o JOIN ledger_original_lines l ON l.transaction_id = o.transaction_id
     WHERE o.transaction_id = ANY($1::text[]) OR o.receipt_number = ANY($2::text[])
     ORDER BY o.transaction_id, l.line_no`,
    [refs, norms],
  );
  const byId = new Map<string, KnownOriginal>();
  for (const r of rows) {
    const o = byId.get(r.transaction_id) ?? { transactionId: r.transaction_id, receiptNumber: r.receipt_number, lines: [] };
    o.lines.push({
      sku: r.sku,
      quantity: Number(r.quantity),
      unitPrice: Number(r.unit_price),
      tax: Number(r.tax),
      currency: r.currency,
    });
    byId.set(r.transaction_id, o);
  }
  const out = new Map<string, KnownOriginal>();
  for (const o of byId.values()) {
    if (o.receiptNumber) out.set(o.receiptNumber, o);
  }
  // A transaction id wins over a receipt number that happens to read the same.
  for (const o of byId.values()) out.set(o.transactionId, o);
  return out;
}
