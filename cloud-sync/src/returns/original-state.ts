import { normalizeReceiptNumber, type ReturnOriginal } from "@tenderline/shared";
import type { OriginalRow } from "../ledger/derive.ts";
import type { Queryable } from "../storage/database.ts";

/** An original as the merged ledger holds it, with what is returned, refunded and held of it now. */
export interface OriginalState {
  transactionId: string;
  receiptNumber: string | null;
  kind: "sale" | "exchange" | "order";
  storeId: string;
  registerId: string;
  channel: string | null;
  occurredAt: string;
  currency: string;
  lines: OriginalRow["lines"];
  tenders: Array<{
    tenderId: string;
    type: string;
    amount: number;
    currency: string;
    card: { brand: string; last4: string; token: string; processorRef: string | null } | null;
    giftCardLast4: string | null;
  }>;
  returnedBySku: Map<string, number>;
  reservedBySku: Map<string, number>;
  refundedByTender: Map<string, number>;
  reservedByTender: Map<string, number>;
}

/** The transaction id an original is known by: `ref` is its transaction id, or its receipt number in any case. */
export async function resolveOriginal(q: Queryable, ref: string): Promise<string | null> {
  const rows = await q.query<{ transaction_id: string }>(
    `SELECT transaction_id FROM ledger_originals WHERE transaction_id = $1 OR receipt_number = $2
     ORDER BY (transaction_id = $1) DESC LIMIT 1`,
    [ref, normalizeReceiptNumber(ref)],
  );
  return rows[0]?.transaction_id ?? null;
}

const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

/**
 * Loads originals by transaction id with their remaining: units returned in the ledger (by
 * transaction id or receipt number), refunds paid back to each tender, and what live reservations
 * hold (not expired at `now`, their return not yet in the ledger), except `exceptReservation`'s.
 */
export async function loadOriginals(
  q: Queryable,
  transactionIds: readonly string[],
  now: Date,
  exceptReservation = "",
): Promise<Map<string, OriginalState>> {
  const out = new Map<string, OriginalState>();
  if (transactionIds.length === 0) return out;
  const ids = [...new Set(transactionIds)];
  const headers = await q.query<{
    transaction_id: string;
    receipt_number: string | null;
    kind: OriginalState["kind"];
    store_id: string;
    register_id: string;
    channel: string | null;
    occurred_at: string;
    currency: string;
  }>(
    `SELECT transaction_id, receipt_number, kind, store_id, register_id, channel, occurred_at, currency
     FROM ledger_originals WHERE transaction_id = ANY($1::text[])`,
    [ids],
  );
  for (const h of headers) {
    out.set(h.transaction_id, {
      transactionId: h.transaction_id,
      receiptNumber: h.receipt_number,
      kind: h.kind,
      storeId: h.store_id,
      registerId: h.register_id,
      channel: h.channel,
      occurredAt: h.occurred_at,
      currency: h.currency,
      lines: [],
      tenders: [],
      returnedBySku: new Map(),
      reservedBySku: new Map(),
      refundedByTender: new Map(),
      reservedByTender: new Map(),
    });
  }
  if (out.size === 0) return out;
  const found = [...out.keys()];
  const lines = await q.query<{
    transaction_id: string;
    line_no: number;
    sku: string;
    description: string;
    quantity: number;
    unit_price: number;
    tax: number;
    currency: string;
  }>(
    `SELECT transaction_id, line_no, sku, description, quantity, unit_price, tax, currency
     FROM ledger_original_lines WHERE transaction_id = ANY($1::text[]) ORDER BY transaction_id, line_no`,
    [found],
  );
  for (const l of lines) {
    out.get(l.transaction_id)?.lines.push({
      lineNo: Number(l.line_no),
      sku: l.sku,
      description: l.description,
      quantity: Number(l.quantity),
      unitPrice: Number(l.unit_price),
      tax: Number(l.tax),
      currency: l.currency,
    });
  }
  const tenders = await q.query<{
    transaction_id: string;
    tender_id: string;
    tender_type: string;
    amount: number;
    currency: string;
    card_brand: string | null;
    card_last4: string | null;
    card_token: string | null;
    processor_ref: string | null;
    gift_card_last4: string | null;
  }>(
    `SELECT transaction_id, tender_id, tender_type, amount, currency, card_brand, card_last4, card_token, processor_ref, gift_card_last4
     FROM ledger_original_tenders WHERE transaction_id = ANY($1::text[]) ORDER BY transaction_id, tender_no`,
    [found],
  );
  for (const t of tenders) {
    out.get(t.transaction_id)?.tenders.push({
      tenderId: t.tender_id,
      type: t.tender_type,
      amount: Number(t.amount),
      currency: t.currency,
      card:
        t.card_token !== null
          ? { brand: t.card_brand ?? "", last4: t.card_last4 ?? "", token: t.card_token, processorRef: t.processor_ref }
          : null,
      giftCardLast4: t.gift_card_last4,
    });
  }
  const returned = await q.query<{ transaction_id: string; sku: string; n: number }>(
    `SELECT o.transaction_id, r.sku, sum(r.quantity)::int AS n
     FROM ledger_originals o JOIN returned_units r
       ON r.original_ref = o.transaction_id OR (o.receipt_number IS NOT NULL AND r.original_norm = o.receipt_number)
     WHERE o.transaction_id = ANY($1::text[]) GROUP BY o.transaction_id, r.sku`,
    [found],
  );
  for (const r of returned) {
    const o = out.get(r.transaction_id);
    if (o) add(o.returnedBySku, r.sku, Number(r.n));
  }
  const refunded = await q.query<{ transaction_id: string; tender_id: string; currency: string; n: number }>(
    `SELECT original_transaction_id AS transaction_id, tender_id, currency, sum(amount) AS n
     FROM refund_lines WHERE original_transaction_id = ANY($1::text[]) GROUP BY 1, 2, 3`,
    [found],
  );
  for (const r of refunded) {
    const o = out.get(r.transaction_id);
    const tender = o?.tenders.find((t) => t.tenderId === r.tender_id);
    // A refund in another currency says nothing about this tender's (over_refund raises it).
    if (o && tender?.currency === r.currency) add(o.refundedByTender, r.tender_id, Number(r.n));
  }
  const live = `r.expires_at > $2::timestamptz AND r.return_event_id <> $3
       AND NOT (r.event_uuid IS NOT NULL AND EXISTS (SELECT 1 FROM returned_units x WHERE x.return_event_id = r.event_uuid))`;
  const heldUnits = await q.query<{ transaction_id: string; sku: string; n: number }>(
    `SELECT u.transaction_id, u.sku, sum(u.quantity)::int AS n
     FROM return_reservation_units u JOIN return_reservations r ON r.return_event_id = u.return_event_id
     WHERE u.transaction_id = ANY($1::text[]) AND ${live} GROUP BY u.transaction_id, u.sku`,
    [found, now.toISOString(), exceptReservation],
  );
  for (const h of heldUnits) {
    const o = out.get(h.transaction_id);
    if (o) add(o.reservedBySku, h.sku, Number(h.n));
  }
  const heldRefunds = await q.query<{ transaction_id: string; tender_id: string; n: number }>(
    `SELECT f.transaction_id, f.tender_id, sum(f.amount) AS n
     FROM return_reservation_refunds f JOIN return_reservations r ON r.return_event_id = f.return_event_id
     WHERE f.transaction_id = ANY($1::text[]) AND ${live} GROUP BY f.transaction_id, f.tender_id`,
    [found, now.toISOString(), exceptReservation],
  );
  for (const h of heldRefunds) {
    const o = out.get(h.transaction_id);
    if (o) add(o.reservedByTender, h.tender_id, Number(h.n));
  }
  return out;
}

/** Per line: the sku's returned and held units, spread over its lines in order. */
export function lineRemaining(
  o: OriginalState,
): Array<OriginalState["lines"][number] & { returned: number; reserved: number; returnable: number }> {
  const returnedLeft = new Map(o.returnedBySku);
  const reservedLeft = new Map(o.reservedBySku);
  return o.lines.map((l) => {
    const returned = Math.min(l.quantity, returnedLeft.get(l.sku) ?? 0);
    returnedLeft.set(l.sku, (returnedLeft.get(l.sku) ?? 0) - returned);
    const reserved = Math.min(l.quantity - returned, reservedLeft.get(l.sku) ?? 0);
    reservedLeft.set(l.sku, (reservedLeft.get(l.sku) ?? 0) - reserved);
    return { ...l, returned, reserved, returnable: l.quantity - returned - reserved };
  });
}

/** Per tender: refunded in the ledger, held, and what is left to refund (never below zero). */
export function tenderRemaining(
  o: OriginalState,
): Array<OriginalState["tenders"][number] & { refunded: number; reserved: number; refundable: number }> {
  return o.tenders.map((t) => {
    const refunded = o.refundedByTender.get(t.tenderId) ?? 0;
    const reserved = o.reservedByTender.get(t.tenderId) ?? 0;
    return { ...t, refunded, reserved, refundable: Math.max(0, t.amount - refunded - reserved) };
  });
}

/** The answer a register gets: what a return needs, nothing more (no cashier, no card number). */
export function toReturnOriginal(o: OriginalState): ReturnOriginal {
  return {
    transactionId: o.transactionId,
    receiptNumber: o.receiptNumber,
    kind: o.kind,
    storeId: o.storeId,
    registerId: o.registerId,
    channel: o.channel,
    occurredAt: o.occurredAt,
    currency: o.currency,
    lines: lineRemaining(o).map((l) => ({
      lineNo: l.lineNo,
      sku: l.sku,
      description: l.description,
      quantity: l.quantity,
      unitPrice: { amount: l.unitPrice, currency: l.currency },
      tax: { amount: l.tax, currency: l.currency },
      returned: l.returned,
      reserved: l.reserved,
      returnable: l.returnable,
    })),
    tenders: tenderRemaining(o).map((t) => ({
      tenderId: t.tenderId,
      type: t.type as ReturnOriginal["tenders"][number]["type"],
      amount: { amount: t.amount, currency: t.currency },
      refunded: { amount: t.refunded, currency: t.currency },
      reserved: { amount: t.reserved, currency: t.currency },
      refundable: { amount: t.refundable, currency: t.currency },
      ...(t.card ? { card: { ...t.card } } : {}),
      ...(t.giftCardLast4 !== null ? { giftCard: { last4: t.giftCardLast4 } } : {}),
    })),
  };
}

/** `GET /v1/returns/originals/:ref`: the original and its remaining, or null. */
export async function lookUpOriginal(q: Queryable, ref: string, now: Date): Promise<ReturnOriginal | null> {
  const id = await resolveOriginal(q, ref);
  if (id === null) return null;
  const o = (await loadOriginals(q, [id], now)).get(id);
  return o ? toReturnOriginal(o) : null;
}
