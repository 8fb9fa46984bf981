import { sha256Hex } from "@tenderline/shared";
import type { Queryable } from "../storage/database.ts";

export interface RegisterDigest {
  storeId: string;
  registerId: string;
  count: number;
  /** SHA-256 over the content hashes of the register's events in seq order. */
  hash: string;
}

export interface Digest {
  registers: RegisterDigest[];
  tenderResults: { count: number; hash: string };
}

/**
 * What this region holds, with nothing region-specific (no names, positions or times): two regions
 * holding the same events and results answer the same bytes.
 */
export async function computeDigest(db: Queryable): Promise<Digest> {
  const registers = await db.query<{ store_id: string; register_id: string; n: number; h: string }>(
    `SELECT store_id, register_id, count(*)::int AS n, encode(sha256(convert_to(string_agg(content_hash, ',' ORDER BY seq), 'UTF8')), 'hex') AS h
     FROM records WHERE kind = 'event' GROUP BY store_id, register_id`,
  );
  const results = await db.query<{ record_id: string; content_hash: string }>(
    "SELECT record_id::text, content_hash FROM records WHERE kind = 'tender_result'",
  );
  // Sorted here, not in SQL: collations may differ between servers, code-unit order does not.
  const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  results.sort((a, b) => byCodeUnit(a.record_id, b.record_id));
  return {
    registers: registers
      .map((r) => ({ storeId: r.store_id, registerId: r.register_id, count: Number(r.n), hash: r.h }))
      .sort((a, b) => byCodeUnit(a.storeId, b.storeId) || byCodeUnit(a.registerId, b.registerId)),
    tenderResults: {
      count: results.length,
      hash: sha256Hex(results.map((r) => `${r.record_id}:${r.content_hash}`).join(",")),
    },
  };
}
