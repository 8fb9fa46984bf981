import { canonicalJson, fail, isEventId, type Reservation, type ReservationRequest } from "@tenderline/shared";
import type { Database, Queryable } from "../storage/database.ts";
import { lineRemaining, loadOriginals, type OriginalState, resolveOriginal, tenderRemaining } from "./original-state.ts";

/** How long a reservation holds by default: long enough to record a return, short enough that an abandoned one frees its units. */
export const DEFAULT_RESERVATION_TTL_MS = 120_000;

// Two-key advisory locks, a key space of their own: one per reservation id, one per original.
const RESERVATION_LOCK = 74_310_010;
const ORIGINAL_LOCK = 74_310_011;

export interface ReservationOptions {
  now?: () => Date;
  ttlMs?: number;
}

export interface ReserveOutcome {
  /** 201 held now; 200 the same reservation was asked again. */
  status: 200 | 201;
  reservation: Reservation;
}

interface Wanted {
  transactionId: string;
  items: Array<{ sku: string; quantity: number }>;
  refunds: Array<{ tenderId: string; amount: number; currency: string }>;
}

/** What a request holds, one entry per (original, sku) and (original, tender), in one order. */
function normalise(request: ReservationRequest): Wanted[] {
  const byOriginal = new Map<
    string,
    { items: Map<string, number>; refunds: Map<string, { amount: number; currency: string }> }
  >();
  for (const o of request.originals) {
    const w = byOriginal.get(o.transactionId) ?? { items: new Map(), refunds: new Map() };
    for (const i of o.items) w.items.set(i.sku, (w.items.get(i.sku) ?? 0) + i.quantity);
    for (const r of o.refunds) {
      const prior = w.refunds.get(r.tenderId);
      if (prior && prior.currency !== r.amount.currency)
        fail(422, "currency_mismatch", `tender ${r.tenderId} is asked for in ${prior.currency} and ${r.amount.currency}`);
      w.refunds.set(r.tenderId, { amount: (prior?.amount ?? 0) + r.amount.amount, currency: r.amount.currency });
    }
    byOriginal.set(o.transactionId, w);
  }
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted(byOriginal).map(([transactionId, w]) => ({
    transactionId,
    items: sorted(w.items).map(([sku, quantity]) => ({ sku, quantity })),
    refunds: sorted(w.refunds).map(([tenderId, r]) => ({ tenderId, ...r })),
  }));
}

const label = (o: OriginalState) => (o.receiptNumber ? `receipt ${o.receiptNumber}` : `transaction ${o.transactionId}`);

/**
 * Holds units and refund amounts of originals for a return about to be recorded, all or nothing.
 * Concurrent requests on one original take turns on its advisory lock (originals locked in one
 * order, so two requests never wait on each other), and each counts what the others hold.
 */
export async function reserveReturn(
  db: Database,
  request: ReservationRequest,
  options: ReservationOptions = {},
): Promise<ReserveOutcome> {
  const now = (options.now ?? (() => new Date()))();
  const ttlMs = options.ttlMs ?? DEFAULT_RESERVATION_TTL_MS;
  const wanted = normalise(request);
  const content = canonicalJson({ storeId: request.storeId, registerId: request.registerId, originals: wanted });
  const id = request.returnEventId;
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [RESERVATION_LOCK, id]);
    const [existing] = await tx.query<{ content: string; expires_at: Date | string; spent: boolean }>(
      `SELECT r.content, r.expires_at, (r.event_uuid IS NOT NULL AND EXISTS (
         SELECT 1 FROM returned_units x WHERE x.return_event_id = r.event_uuid)) AS spent
       FROM return_reservations r WHERE r.return_event_id = $1`,
      [id],
    );
    if (existing) {
      const expiresAt = new Date(existing.expires_at);
      const live = existing.spent || expiresAt.getTime() > now.getTime();
      if (existing.content === content && live) {
        return { status: 200, reservation: { returnEventId: id, expiresAt: expiresAt.toISOString() } };
      }
      if (live) {
        fail(
          409,
          "reservation_conflict",
          `return ${id} already holds a different reservation; release it or use the return's own event id`,
          { details: { returnEventId: id, expiresAt: expiresAt.toISOString() } },
        );
      }
    }
    // Originals by transaction id (a receipt number is accepted too).
    const resolved: Array<Wanted & { ref: string }> = [];
    for (const w of wanted) {
      const transactionId = await resolveOriginal(tx, w.transactionId);
      if (transactionId === null) {
        fail(404, "original_not_found", `no sale or order ${w.transactionId} is in this region's ledger`, {
          details: { transactionId: w.transactionId },
        });
      }
      resolved.push({ ...w, ref: w.transactionId, transactionId });
    }
    await lockOriginals(
      tx,
      resolved.map((r) => r.transactionId),
    );
    const states = await loadOriginals(
      tx,
      resolved.map((r) => r.transactionId),
      now,
      id,
    );
    const shortages: Array<Record<string, unknown>> = [];
    const messages: string[] = [];
    const units = new Map<string, number>();
    const amounts = new Map<string, { amount: number; currency: string }>();
    for (const w of resolved) {
      const o = states.get(w.transactionId) as OriginalState;
      const lines = lineRemaining(o);
      const tenders = tenderRemaining(o);
      for (const item of w.items) {
        const key = `${o.transactionId}\u0000${item.sku}`;
        const asked = (units.get(key) ?? 0) + item.quantity;
        units.set(key, asked);
        const ofSku = lines.filter((l) => l.sku === item.sku);
        if (ofSku.length === 0) {
          fail(422, "not_on_original", `${item.sku} is not on ${label(o)}`, {
            details: { transactionId: o.transactionId, sku: item.sku },
          });
        }
        const sold = ofSku.reduce((s, l) => s + l.quantity, 0);
        const returned = ofSku.reduce((s, l) => s + l.returned, 0);
        const reserved = ofSku.reduce((s, l) => s + l.reserved, 0);
        const left = sold - returned - reserved;
        if (asked > left) {
          const taken = returned + reserved;
          messages.push(
            `${taken} of ${item.sku} on ${label(o)} ${taken === 1 ? "was" : "were"} already returned${reserved > 0 ? " or are being returned at another register" : ""}; ${left} left, ${asked} asked`,
          );
          shortages.push({
            transactionId: o.transactionId,
            receiptNumber: o.receiptNumber,
            sku: item.sku,
            sold,
            returned,
            reserved,
            returnable: left,
            requested: asked,
          });
        }
      }
      for (const refund of w.refunds) {
        const tender = tenders.find((t) => t.tenderId === refund.tenderId);
        if (!tender) {
          fail(422, "not_on_original", `tender ${refund.tenderId} is not on ${label(o)}`, {
            details: { transactionId: o.transactionId, tenderId: refund.tenderId },
          });
        }
        if (tender.currency !== refund.currency) {
          fail(
            422,
            "currency_mismatch",
            `tender ${refund.tenderId} on ${label(o)} was paid in ${tender.currency}, not ${refund.currency}`,
          );
        }
        const key = `${o.transactionId}\u0000${refund.tenderId}`;
        const asked = (amounts.get(key)?.amount ?? 0) + refund.amount;
        amounts.set(key, { amount: asked, currency: refund.currency });
        if (asked > tender.refundable) {
          messages.push(
            `${tender.type} tender ${tender.tenderId} on ${label(o)} has ${tender.refundable} ${tender.currency} left to refund (${tender.refunded} refunded, ${tender.reserved} being refunded); ${asked} asked`,
          );
          shortages.push({
            transactionId: o.transactionId,
            receiptNumber: o.receiptNumber,
            tenderId: tender.tenderId,
            currency: tender.currency,
            paid: tender.amount,
            refunded: tender.refunded,
            reserved: tender.reserved,
            refundable: tender.refundable,
            requested: asked,
          });
        }
      }
    }
    if (shortages.length > 0) {
      fail(409, "already_returned", `${messages.join("; ")}; nothing was reserved`, { details: { shortages } });
    }
    const expiresAt = new Date(now.getTime() + ttlMs);
    await tx.query("DELETE FROM return_reservation_units WHERE return_event_id = $1", [id]);
    await tx.query("DELETE FROM return_reservation_refunds WHERE return_event_id = $1", [id]);
    await tx.query(
      `INSERT INTO return_reservations (return_event_id, event_uuid, store_id, register_id, content, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (return_event_id) DO UPDATE SET event_uuid = EXCLUDED.event_uuid, store_id = EXCLUDED.store_id,
         register_id = EXCLUDED.register_id, content = EXCLUDED.content, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
      [
        id,
        isEventId(id) ? id.toLowerCase() : null,
        request.storeId,
        request.registerId,
        content,
        now.toISOString(),
        expiresAt.toISOString(),
      ],
    );
    const unitRows = [...units.entries()].map(([k, quantity]) => [...k.split("\u0000"), quantity] as [string, string, number]);
    await tx.query(
      `INSERT INTO return_reservation_units (return_event_id, transaction_id, sku, quantity)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[])`,
      [id, unitRows.map((r) => r[0]), unitRows.map((r) => r[1]), unitRows.map((r) => r[2])],
    );
    const refundRows = [...amounts.entries()].map(
      ([k, a]) => [...k.split("\u0000"), a.amount, a.currency] as [string, string, number, string],
    );
    if (refundRows.length > 0) {
      await tx.query(
        `INSERT INTO return_reservation_refunds (return_event_id, transaction_id, tender_id, amount, currency)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[])`,
        [id, refundRows.map((r) => r[0]), refundRows.map((r) => r[1]), refundRows.map((r) => r[2]), refundRows.map((r) => r[3])],
      );
    }
    return { status: 201, reservation: { returnEventId: id, expiresAt: expiresAt.toISOString() } };
  });
}

/** One lock per original, taken in the order of their keys: requests over the same originals queue, never deadlock. */
async function lockOriginals(tx: Queryable, transactionIds: readonly string[]): Promise<void> {
  const keys = await tx.query<{ k: number }>("SELECT DISTINCT hashtext(t) AS k FROM unnest($1::text[]) AS t ORDER BY k", [
    transactionIds,
  ]);
  for (const { k } of keys) await tx.query("SELECT pg_advisory_xact_lock($1::int, $2::int)", [ORIGINAL_LOCK, k]);
}

/**
 * Releases a reservation (the return was not recorded). Only the register that holds it may;
 * false when there is none by that id.
 */
export async function releaseReturn(
  db: Database,
  returnEventId: string,
  register: { storeId: string; registerId: string },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [RESERVATION_LOCK, returnEventId]);
    const [row] = await tx.query<{ store_id: string; register_id: string }>(
      "SELECT store_id, register_id FROM return_reservations WHERE return_event_id = $1",
      [returnEventId],
    );
    if (!row) return false;
    if (row.store_id !== register.storeId || row.register_id !== register.registerId) {
      fail(403, "wrong_register", `reservation ${returnEventId} is held by another register; only it may release it`);
    }
    await tx.query("DELETE FROM return_reservation_units WHERE return_event_id = $1", [returnEventId]);
    await tx.query("DELETE FROM return_reservation_refunds WHERE return_event_id = $1", [returnEventId]);
    await tx.query("DELETE FROM return_reservations WHERE return_event_id = $1", [returnEventId]);
    return true;
  });
}
