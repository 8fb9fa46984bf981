import type { CredentialChanges, CredentialKind, CredentialRecord, StoreCutoff } from "@tenderline/shared";
import type { Database, Queryable } from "../storage/database.ts";
import type { CredentialClaims } from "./signed-credentials.ts";

/**
 * The credential register: a record per credential (never the credential itself) and a cutoff per
 * revoked store. Revocations only ever tighten (the earliest revocation and end wins), so regions
 * that merge each other's records in any order agree.
 *
 * Every write takes this lock, so change_seq values commit in the order they are taken and a peer
 * reading by cursor never passes one still in flight. Credential writes are rare; serialising
 * them costs nothing that matters (a register's first request at an instance reads, not writes: principal-resolver.ts).
 */
export const CREDENTIAL_WRITE_LOCK = 74_310_003;

interface Row {
  id: string;
  kind: CredentialKind;
  store_id: string | null;
  register_id: string | null;
  region_name: string | null;
  label: string;
  issued_at: Date | string;
  issued_by: string;
  not_after: Date | string | null;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

const COLUMNS = "id, kind, store_id, register_id, region_name, label, issued_at, issued_by, not_after, revoked_at, revoked_by";
const iso = (v: Date | string) => new Date(v).toISOString();
const isoOrNull = (v: Date | string | null) => (v === null ? null : iso(v));

function toRecord(r: Row): CredentialRecord {
  return {
    id: r.id,
    kind: r.kind,
    storeId: r.store_id,
    registerId: r.register_id,
    regionName: r.region_name,
    label: r.label,
    issuedAt: iso(r.issued_at),
    issuedBy: r.issued_by,
    notAfter: isoOrNull(r.not_after),
    revokedAt: isoOrNull(r.revoked_at),
    revokedBy: r.revoked_by,
  };
}

export function recordFromClaims(claims: CredentialClaims, meta: { label: string; issuedBy: string }): CredentialRecord {
  return {
    id: claims.id,
    kind: claims.kind,
    storeId: claims.storeId,
    registerId: claims.registerId,
    regionName: claims.regionName,
    label: meta.label,
    issuedAt: claims.issuedAt.toISOString(),
    issuedBy: meta.issuedBy,
    notAfter: claims.expiresAt?.toISOString() ?? null,
    revokedAt: null,
    revokedBy: null,
  };
}

function locked<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [CREDENTIAL_WRITE_LOCK]);
    return fn(tx);
  });
}

/**
 * Merges records in: a new one is inserted; a known one takes the earlier revocation and the
 * earlier end. A record that changes nothing is left alone (its change_seq stays), so two regions
 * pulling from each other do not pass the same record back and forth for ever.
 */
async function mergeRecords(tx: Queryable, records: readonly CredentialRecord[]): Promise<number> {
  let changed = 0;
  for (const r of records) {
    const rows = await tx.query(
      `INSERT INTO credentials (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET
         not_after = LEAST(credentials.not_after, EXCLUDED.not_after),
         revoked_at = LEAST(credentials.revoked_at, EXCLUDED.revoked_at),
         revoked_by = CASE WHEN EXCLUDED.revoked_at < credentials.revoked_at OR credentials.revoked_at IS NULL
                           THEN EXCLUDED.revoked_by ELSE credentials.revoked_by END,
         change_seq = nextval('credential_change_seq')
       WHERE credentials.not_after IS DISTINCT FROM LEAST(credentials.not_after, EXCLUDED.not_after)
          OR credentials.revoked_at IS DISTINCT FROM LEAST(credentials.revoked_at, EXCLUDED.revoked_at)
       RETURNING id`,
      [
        r.id,
        r.kind,
        r.storeId,
        r.registerId,
        r.regionName,
        r.label,
        r.issuedAt,
        r.issuedBy,
        r.notAfter,
        r.revokedAt,
        r.revokedBy,
      ],
    );
    changed += rows.length;
  }
  return changed;
}

async function mergeCutoffs(tx: Queryable, cutoffs: readonly StoreCutoff[]): Promise<number> {
  let changed = 0;
  for (const c of cutoffs) {
    const rows = await tx.query(
      `INSERT INTO store_credential_cutoffs (store_id, revoked_before, revoked_by) VALUES ($1, $2, $3)
       ON CONFLICT (store_id) DO UPDATE SET revoked_before = EXCLUDED.revoked_before, revoked_by = EXCLUDED.revoked_by,
         change_seq = nextval('credential_change_seq')
       WHERE EXCLUDED.revoked_before > store_credential_cutoffs.revoked_before
       RETURNING store_id`,
      [c.storeId, c.revokedBefore, c.revokedBy],
    );
    changed += rows.length;
  }
  return changed;
}

/** Keeps the record of a credential just issued (or first seen). Returns the record as stored. */
export async function recordCredential(db: Database, record: CredentialRecord): Promise<CredentialRecord> {
  return locked(db, async (tx) => {
    await mergeRecords(tx, [record]);
    return (await findCredential(tx, record.id)) as CredentialRecord;
  });
}

export async function findCredential(db: Queryable, id: string): Promise<CredentialRecord | undefined> {
  const [row] = await db.query<Row>(`SELECT ${COLUMNS} FROM credentials WHERE id = $1`, [id]);
  return row ? toRecord(row) : undefined;
}

export interface CredentialFilter {
  storeId?: string;
  registerId?: string;
  kind?: CredentialKind;
  /** Revoked and ended credentials too (default: only those that still work). */
  all?: boolean;
  limit?: number;
}

export async function listCredentials(db: Queryable, filter: CredentialFilter = {}): Promise<CredentialRecord[]> {
  const rows = await db.query<Row>(
    `SELECT ${COLUMNS} FROM credentials c
     WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR register_id = $2) AND ($3::text IS NULL OR kind = $3)
       AND ($4 OR (revoked_at IS NULL AND (not_after IS NULL OR not_after > now())
            AND NOT EXISTS (SELECT 1 FROM store_credential_cutoffs s WHERE s.store_id = c.store_id AND c.issued_at < s.revoked_before)))
     ORDER BY issued_at, id LIMIT $5`,
    [filter.storeId ?? null, filter.registerId ?? null, filter.kind ?? null, filter.all ?? false, filter.limit ?? 1000],
  );
  return rows.map(toRecord);
}

/** Revokes one credential (kept as it was when already revoked). Undefined when no such record. */
export async function revokeCredential(
  db: Database,
  id: string,
  by: string,
  at = new Date(),
): Promise<CredentialRecord | undefined> {
  return locked(db, async (tx) => {
    const current = await findCredential(tx, id);
    if (!current) return undefined;
    await mergeRecords(tx, [{ ...current, revokedAt: at.toISOString(), revokedBy: by }]);
    return findCredential(tx, id);
  });
}

/** Ends a credential at `notAfter` (a rotation's overlap), unless it already ends sooner. */
export async function retireCredential(db: Database, id: string, notAfter: Date): Promise<CredentialRecord | undefined> {
  return locked(db, async (tx) => {
    const current = await findCredential(tx, id);
    if (!current) return undefined;
    await mergeRecords(tx, [{ ...current, notAfter: notAfter.toISOString() }]);
    return findCredential(tx, id);
  });
}

/** Refuses every credential of a store issued before `at`; ones issued afterwards work. */
export async function revokeStoreCredentials(db: Database, storeId: string, by: string, at = new Date()): Promise<StoreCutoff> {
  return locked(db, async (tx) => {
    await mergeCutoffs(tx, [{ storeId, revokedBefore: at.toISOString(), revokedBy: by }]);
    const [row] = await tx.query<{ revoked_before: Date | string; revoked_by: string | null }>(
      "SELECT revoked_before, revoked_by FROM store_credential_cutoffs WHERE store_id = $1",
      [storeId],
    );
    return { storeId, revokedBefore: iso(row?.revoked_before ?? at), revokedBy: row?.revoked_by ?? null };
  });
}

/** Peers' records merged in; how many changed something here. */
export async function applyCredentialChanges(
  db: Database,
  changes: Pick<CredentialChanges, "records" | "cutoffs">,
): Promise<number> {
  if (changes.records.length === 0 && changes.cutoffs.length === 0) return 0;
  return locked(db, async (tx) => (await mergeRecords(tx, changes.records)) + (await mergeCutoffs(tx, changes.cutoffs)));
}

/** The changes after `after`, for a peer: read up to the head taken first, so nothing committing meanwhile is passed. */
export async function readCredentialChanges(
  db: Queryable,
  region: string,
  after: number,
  limit: number,
): Promise<CredentialChanges> {
  const [h] = await db.query<{ head: string | number | null }>(
    "SELECT GREATEST((SELECT max(change_seq) FROM credentials), (SELECT max(change_seq) FROM store_credential_cutoffs)) AS head",
  );
  const head = Number(h?.head ?? 0);
  const rows = await db.query<Row & { change_seq: string | number }>(
    `SELECT ${COLUMNS}, change_seq FROM credentials WHERE change_seq > $1 AND change_seq <= $2 ORDER BY change_seq LIMIT $3`,
    [after, head, limit],
  );
  const nextCursor = rows.length === limit ? Number(rows.at(-1)?.change_seq) : head;
  const cutoffs = await db.query<{ store_id: string; revoked_before: Date | string; revoked_by: string | null }>(
    "SELECT store_id, revoked_before, revoked_by FROM store_credential_cutoffs WHERE change_seq > $1 AND change_seq <= $2",
    [after, Math.max(after, nextCursor)],
  );
  return {
    region,
    records: rows.map(toRecord),
    cutoffs: cutoffs.map((c) => ({ storeId: c.store_id, revokedBefore: iso(c.revoked_before), revokedBy: c.revoked_by })),
    nextCursor: Math.max(after, nextCursor),
    head,
  };
}

/** What refuses a validly signed credential: its revocation, its end, its store's cutoff. */
export interface Refusals {
  revoked: Map<string, Date>;
  notAfter: Map<string, Date>;
  storeCutoffs: Map<string, Date>;
}

export async function loadRefusals(db: Queryable): Promise<Refusals> {
  const rows = await db.query<{ id: string; revoked_at: Date | string | null; not_after: Date | string | null }>(
    "SELECT id, revoked_at, not_after FROM credentials WHERE revoked_at IS NOT NULL OR not_after IS NOT NULL",
  );
  const cutoffs = await db.query<{ store_id: string; revoked_before: Date | string }>(
    "SELECT store_id, revoked_before FROM store_credential_cutoffs",
  );
  const refusals: Refusals = { revoked: new Map(), notAfter: new Map(), storeCutoffs: new Map() };
  for (const r of rows) {
    if (r.revoked_at !== null) refusals.revoked.set(r.id, new Date(r.revoked_at));
    if (r.not_after !== null) refusals.notAfter.set(r.id, new Date(r.not_after));
  }
  for (const c of cutoffs) refusals.storeCutoffs.set(c.store_id, new Date(c.revoked_before));
  return refusals;
}
