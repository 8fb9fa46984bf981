import type { Queryable } from "../storage/database.ts";
import { describeException } from "./describe-exception.ts";

export const EXCEPTION_KINDS = [
  "amount_mismatch",
  "declined",
  "not_found",
  "over_refund",
  "replication_conflict",
  "conflicts",
  "duplicate_storm",
  "gap",
  "store_silent",
  "decline_rate",
  "replication_lag",
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export interface RaisedException {
  /** Identifies the problem: raising it again updates the one row instead of adding another. */
  key: string;
  kind: ExceptionKind;
  storeId: string | null;
  subject: string;
  detail: Record<string, unknown>;
}

export interface StoredException extends Omit<RaisedException, "key"> {
  key: string;
  message: string;
  raisedAt: string;
  updatedAt: string;
  occurrences: number;
}

/** Records problems, one row per key (raising the same one again counts it and refreshes its detail). */
export async function raiseExceptions(tx: Queryable, items: readonly RaisedException[]): Promise<void> {
  if (items.length === 0) return;
  // Key order: instances raising overlapping sets at once lock the rows in the same order (no deadlock).
  const unique = [...new Map(items.map((e) => [e.key, e])).values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  await tx.query(
    `INSERT INTO exceptions (exception_key, kind, store_id, subject, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (exception_key) DO UPDATE SET detail = EXCLUDED.detail, updated_at = now(),
       occurrences = exceptions.occurrences + 1`,
    [
      unique.map((e) => e.key),
      unique.map((e) => e.kind),
      unique.map((e) => e.storeId),
      unique.map((e) => e.subject),
      unique.map((e) => JSON.stringify(e.detail)),
    ],
  );
}

export interface ExceptionFilter {
  storeId?: string;
  kind?: string;
  /** Raised at least this many seconds ago. */
  minAgeSeconds?: number;
  /** Raised at most this many seconds ago. */
  maxAgeSeconds?: number;
  limit: number;
}

export async function listExceptions(db: Queryable, f: ExceptionFilter): Promise<StoredException[]> {
  const rows = await db.query<{
    exception_key: string;
    kind: ExceptionKind;
    store_id: string | null;
    subject: string;
    detail: string;
    raised_at: Date | string;
    updated_at: Date | string;
    occurrences: number;
  }>(
    `SELECT exception_key, kind, store_id, subject, detail, raised_at, updated_at, occurrences FROM exceptions
     WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR kind = $2)
       AND ($3::float8 IS NULL OR raised_at <= now() - make_interval(secs => $3))
       AND ($4::float8 IS NULL OR raised_at >= now() - make_interval(secs => $4))
     ORDER BY raised_at, exception_key LIMIT $5`,
    [f.storeId ?? null, f.kind ?? null, f.minAgeSeconds ?? null, f.maxAgeSeconds ?? null, f.limit],
  );
  return rows.map((r) => ({
    key: r.exception_key,
    kind: r.kind,
    storeId: r.store_id,
    subject: r.subject,
    message: describeException(r.kind, r.subject, JSON.parse(r.detail) as Record<string, unknown>),
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    raisedAt: new Date(r.raised_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    occurrences: Number(r.occurrences),
  }));
}

export async function countExceptionsByKind(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query<{ kind: string; n: number }>("SELECT kind, count(*)::int AS n FROM exceptions GROUP BY kind");
  return new Map(rows.map((r) => [r.kind, Number(r.n)]));
}
