import type { Queryable } from "../storage/database.ts";
import { describeException } from "./describe-exception.ts";

/** Kinds that record a fact (a decline, a conflict, an over-refund): someone has to act on them, they stay open. */
const FACT_KINDS = [
  "amount_mismatch",
  "declined",
  "not_found",
  "over_refund",
  "replication_conflict",
  "unverified_return_mismatch",
  "stored_value_overdrawn",
  "stored_value_unreadable",
] as const;

/**
 * Kinds that describe a condition the anomaly rules re-check on every run: resolved when a run no
 * longer finds them, reopened when one does again.
 */
export const CONDITION_KINDS = [
  "conflicts",
  "duplicate_storm",
  "gap",
  "store_silent",
  "decline_rate",
  "replication_lag",
] as const;

export const EXCEPTION_KINDS = [...FACT_KINDS, ...CONDITION_KINDS] as const;
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
  /** When the rules stopped finding it (condition kinds only); null while open. */
  resolvedAt: string | null;
}

/** Records problems, one row per key (raising the same one again counts it, refreshes its detail and reopens it). */
export async function raiseExceptions(tx: Queryable, items: readonly RaisedException[]): Promise<void> {
  if (items.length === 0) return;
  // Key order: instances raising overlapping sets at once lock the rows in the same order (no deadlock).
  const unique = [...new Map(items.map((e) => [e.key, e])).values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  await tx.query(
    `INSERT INTO exceptions (exception_key, kind, store_id, subject, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (exception_key) DO UPDATE SET detail = EXCLUDED.detail, updated_at = now(),
       occurrences = exceptions.occurrences + 1, resolved_at = NULL`,
    [
      unique.map((e) => e.key),
      unique.map((e) => e.kind),
      unique.map((e) => e.storeId),
      unique.map((e) => e.subject),
      unique.map((e) => JSON.stringify(e.detail)),
    ],
  );
}

/**
 * After a run of the anomaly rules: every open exception of a condition kind that the run did not
 * find again is resolved. Returns how many were.
 */
export async function resolveCleared(tx: Queryable, stillFound: readonly RaisedException[]): Promise<number> {
  const rows = await tx.query<{ n: number }>(
    `WITH cleared AS (
       UPDATE exceptions SET resolved_at = now(), updated_at = now()
       WHERE resolved_at IS NULL AND kind = ANY($1::text[]) AND NOT (exception_key = ANY($2::text[]))
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM cleared`,
    [[...CONDITION_KINDS], stillFound.map((e) => e.key)],
  );
  return Number(rows[0]?.n ?? 0);
}

export const EXCEPTION_STATES = ["open", "resolved", "all"] as const;
export type ExceptionState = (typeof EXCEPTION_STATES)[number];

export interface ExceptionFilter {
  /** Default open. */
  state?: ExceptionState;
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
    resolved_at: Date | string | null;
  }>(
    `SELECT exception_key, kind, store_id, subject, detail, raised_at, updated_at, occurrences, resolved_at FROM exceptions
     WHERE ($1::text IS NULL OR store_id = $1) AND ($2::text IS NULL OR kind = $2)
       AND ($6::text = 'all' OR ($6::text = 'open') = (resolved_at IS NULL))
       AND ($3::float8 IS NULL OR raised_at <= now() - make_interval(secs => $3))
       AND ($4::float8 IS NULL OR raised_at >= now() - make_interval(secs => $4))
     ORDER BY raised_at, exception_key LIMIT $5`,
    [f.storeId ?? null, f.kind ?? null, f.minAgeSeconds ?? null, f.maxAgeSeconds ?? null, f.limit, f.state ?? "open"],
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
    resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at).toISOString(),
  }));
}

/** Open exceptions by kind (what the metrics report). */
export async function countExceptionsByKind(db: Queryable): Promise<Map<string, number>> {
  const rows = await db.query<{ kind: string; n: number }>(
    "SELECT kind, count(*)::int AS n FROM exceptions WHERE resolved_at IS NULL GROUP BY kind",
  );
  return new Map(rows.map((r) => [r.kind, Number(r.n)]));
}
