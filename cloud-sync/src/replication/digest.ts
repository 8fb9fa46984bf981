import { createHash } from "node:crypto";
import type { Queryable } from "../storage/database.ts";

export interface RegisterDigest {
  storeId: string;
  registerId: string;
  count: number;
  /** XOR of sha256("<seq>:<content hash>") over the register's events (hex): independent of order. */
  hash: string;
}

export interface Digest {
  registers: RegisterDigest[];
  tenderResults: { count: number; hash: string };
}

/** What one appended record adds to its digest: its seq (events) or id (results) with its content hash. */
export interface DigestEntry {
  kind: "event" | "tender_result";
  storeId: string;
  registerId: string | null;
  seq: number | null;
  recordId: string;
  hash: string;
}

const HASH_BYTES = 32;

function entryHash(entry: DigestEntry): Buffer {
  const key = entry.kind === "event" ? String(entry.seq) : entry.recordId.toLowerCase();
  return createHash("sha256").update(`${key}:${entry.hash}`).digest();
}

function xorInto(into: Buffer, other: Buffer): void {
  for (let i = 0; i < HASH_BYTES; i++) into[i] = (into[i] as number) ^ (other[i] as number);
}

/** A bit(256) as PostgreSQL prints it (a string of 0s and 1s), as hex. */
function bitsToHex(bits: string): string {
  return BigInt(`0b${bits}`)
    .toString(16)
    .padStart(HASH_BYTES * 2, "0");
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Entries folded per register (events) and per store (tender results): count and XOR of their hashes. */
interface Group {
  storeId: string;
  /** Empty for a store's tender results. */
  registerId: string;
  n: number;
  hash: Buffer;
}
interface Folded {
  registers: Group[];
  stores: Group[];
}

function fold(entries: Iterable<DigestEntry>): Folded {
  const registers = new Map<string, Group>();
  const stores = new Map<string, Group>();
  for (const e of entries) {
    const isEvent = e.kind === "event";
    const key = isEvent ? `${e.storeId}\u0000${e.registerId}` : e.storeId;
    const into = isEvent ? registers : stores;
    let at = into.get(key);
    if (!at) {
      at = { storeId: e.storeId, registerId: e.registerId ?? "", n: 0, hash: Buffer.alloc(HASH_BYTES) };
      into.set(key, at);
    }
    at.n++;
    xorInto(at.hash, entryHash(e));
  }
  return { registers: [...registers.values()], stores: [...stores.values()] };
}

/**
 * Adds freshly appended records to the kept digest, in the transaction that appended them (so the
 * digest and the log commit together). Rows are updated in key order, registers before stores,
 * so two appends never wait on each other crosswise.
 */
export async function addToDigest(tx: Queryable, entries: readonly DigestEntry[]): Promise<void> {
  const events = registerDigestParams(entries.filter((e) => e.kind === "event"));
  if (events) await tx.query(registerDigestUpsert(1), events);
  const byStore = fold(entries.filter((e) => e.kind !== "event")).stores.sort((a, b) => byCodeUnit(a.storeId, b.storeId));
  if (byStore.length > 0)
    await tx.query(
      `INSERT INTO tender_result_digests (store_id, results, hash)
       SELECT s, n, ('x' || h)::bit(256) FROM unnest($1::text[], $2::bigint[], $3::text[]) AS k(s, n, h)
       ON CONFLICT (store_id) DO UPDATE
         SET results = tender_result_digests.results + EXCLUDED.results, hash = tender_result_digests.hash # EXCLUDED.hash`,
      [byStore.map((s) => s.storeId), byStore.map((s) => s.n), byStore.map((s) => s.hash.toString("hex"))],
    );
}

/**
 * The upsert that adds events to their registers' kept digests, its four parameters numbered from
 * `first` (registerDigestParams gives them): addToDigest runs it alone, an append of events only
 * runs it inside its own insert (store-records.ts), saving a round trip per batch.
 */
export function registerDigestUpsert(first: number, onlyWhen = "true"): string {
  const [s, r, n, h] = [first, first + 1, first + 2, first + 3];
  return `INSERT INTO register_digests (store_id, register_id, events, hash)
       SELECT s, r, n, ('x' || h)::bit(256) FROM unnest($${s}::text[], $${r}::text[], $${n}::bigint[], $${h}::text[]) AS k(s, r, n, h)
       WHERE ${onlyWhen}
       ON CONFLICT (store_id, register_id) DO UPDATE
         SET events = register_digests.events + EXCLUDED.events, hash = register_digests.hash # EXCLUDED.hash`;
}

/**
 * registerDigestUpsert's parameters for these events (tender results are left out), registers in
 * key order so two appends never wait on each other crosswise; undefined when there is no event.
 */
export function registerDigestParams(entries: readonly DigestEntry[]): unknown[] | undefined {
  const groups = fold(entries.filter((e) => e.kind === "event")).registers.sort(
    (a, b) => byCodeUnit(a.storeId, b.storeId) || byCodeUnit(a.registerId, b.registerId),
  );
  if (groups.length === 0) return undefined;
  return [
    groups.map((r) => r.storeId),
    groups.map((r) => r.registerId),
    groups.map((r) => r.n),
    groups.map((r) => r.hash.toString("hex")),
  ];
}

/**
 * What this region holds, with nothing region-specific (no names, positions or times): two regions
 * holding the same events and results answer the same bytes. Read from the kept digest: a row per
 * register, whatever the log's length.
 */
export async function computeDigest(db: Queryable): Promise<Digest> {
  const registers = await db.query<{ store_id: string; register_id: string; events: string | number; hash: string }>(
    "SELECT store_id, register_id, events, hash::text AS hash FROM register_digests",
  );
  const stores = await db.query<{ results: string | number; hash: string }>(
    "SELECT results, hash::text AS hash FROM tender_result_digests",
  );
  return shapeDigest(
    registers.map((r) => ({ storeId: r.store_id, registerId: r.register_id, count: Number(r.events), hash: bitsToHex(r.hash) })),
    stores.map((s) => ({ count: Number(s.results), hash: bitsToHex(s.hash) })),
  );
}

/**
 * The same digest computed from the log itself, every record read: what the kept one must always
 * equal (tests, and an operator's check after a repair). Costs a scan of the whole log.
 */
export async function scanDigest(db: Queryable): Promise<Digest> {
  const rows = await db.query<{
    kind: "event" | "tender_result";
    store_id: string;
    register_id: string | null;
    seq: string | null;
    record_id: string;
    content_hash: string;
  }>("SELECT kind, store_id, register_id, seq, record_id::text, content_hash FROM records");
  const folded = fold(
    rows.map((row) => ({
      kind: row.kind,
      storeId: row.store_id,
      registerId: row.register_id,
      seq: row.seq === null ? null : Number(row.seq),
      recordId: row.record_id,
      hash: row.content_hash,
    })),
  );
  return shapeDigest(
    folded.registers.map((r) => ({ storeId: r.storeId, registerId: r.registerId, count: r.n, hash: r.hash.toString("hex") })),
    folded.stores.map((st) => ({ count: st.n, hash: st.hash.toString("hex") })),
  );
}

function shapeDigest(registers: RegisterDigest[], stores: Array<{ count: number; hash: string }>): Digest {
  const results = Buffer.alloc(HASH_BYTES);
  let count = 0;
  for (const s of stores) {
    count += s.count;
    xorInto(results, Buffer.from(s.hash, "hex"));
  }
  return {
    // Sorted here, not in SQL: collations may differ between servers, code-unit order does not.
    registers: registers
      .filter((r) => r.count > 0)
      .sort((a, b) => byCodeUnit(a.storeId, b.storeId) || byCodeUnit(a.registerId, b.registerId)),
    tenderResults: { count, hash: results.toString("hex") },
  };
}
