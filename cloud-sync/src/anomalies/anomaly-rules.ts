import type { RaisedException } from "../exceptions/exception-store.ts";
import type { PeerStatus } from "../replication/replicator.ts";
import type { Queryable } from "../storage/database.ts";
import type { AnomalyThresholds } from "./thresholds.ts";

const minutes = (m: number) => m * 60;

/** Evaluates every anomaly rule against what this region holds now; each finding is an exception to raise. */
export async function evaluateAnomalies(
  db: Queryable,
  t: AnomalyThresholds,
  peers: readonly PeerStatus[],
): Promise<RaisedException[]> {
  const found: RaisedException[] = [];

  const outcomes = await db.query<{ store_id: string; conflicts: number; duplicates: number }>(
    `SELECT store_id,
       COALESCE(SUM(conflicts) FILTER (WHERE minute >= now() - make_interval(secs => $1::float8)), 0)::int AS conflicts,
       COALESCE(SUM(duplicates) FILTER (WHERE minute >= now() - make_interval(secs => $2::float8)), 0)::int AS duplicates
     FROM ingest_outcomes WHERE minute >= now() - make_interval(secs => GREATEST($1::float8, $2::float8)) GROUP BY store_id`,
    [minutes(t.conflictWindowMinutes), minutes(t.duplicateWindowMinutes)],
  );
  for (const o of outcomes) {
    if (Number(o.conflicts) >= t.conflicts) {
      found.push({
        key: `conflicts:${o.store_id}`,
        kind: "conflicts",
        storeId: o.store_id,
        subject: o.store_id,
        detail: { conflicts: Number(o.conflicts), windowMinutes: t.conflictWindowMinutes, threshold: t.conflicts },
      });
    }
    if (Number(o.duplicates) >= t.duplicateStorm) {
      found.push({
        key: `duplicate_storm:${o.store_id}`,
        kind: "duplicate_storm",
        storeId: o.store_id,
        subject: o.store_id,
        detail: { duplicates: Number(o.duplicates), windowMinutes: t.duplicateWindowMinutes, threshold: t.duplicateStorm },
      });
    }
  }

  const gaps = await db.query<{
    store_id: string;
    register_id: string;
    contiguous_seq: number;
    max_seq: number;
    gap_since: Date | string;
  }>(
    `SELECT store_id, register_id, contiguous_seq, max_seq, gap_since FROM register_state
     WHERE gap_since IS NOT NULL AND gap_since <= now() - make_interval(secs => $1::float8)`,
    [minutes(t.gapMaxAgeMinutes)],
  );
  for (const g of gaps) {
    found.push({
      key: `gap:${g.store_id}:${g.register_id}:${Number(g.contiguous_seq)}`,
      kind: "gap",
      storeId: g.store_id,
      subject: `${g.store_id}/${g.register_id}`,
      detail: {
        registerId: g.register_id,
        contiguousSeq: Number(g.contiguous_seq),
        maxSeq: Number(g.max_seq),
        gapSince: new Date(g.gap_since).toISOString(),
        maxAgeMinutes: t.gapMaxAgeMinutes,
      },
    });
  }

  const silent = await db.query<{ store_id: string; last_seen_at: Date | string }>(
    `SELECT store_id, MAX(last_seen_at) AS last_seen_at FROM register_state GROUP BY store_id
     HAVING MAX(last_seen_at) <= now() - make_interval(secs => $1::float8)`,
    [minutes(t.storeSilentMinutes)],
  );
  for (const s of silent) {
    const since = new Date(s.last_seen_at).toISOString();
    found.push({
      key: `store_silent:${s.store_id}:${since}`,
      kind: "store_silent",
      storeId: s.store_id,
      subject: s.store_id,
      detail: { lastSeenAt: since, thresholdMinutes: t.storeSilentMinutes },
    });
  }

  const declines = await db.query<{ store_id: string; declined: number; total: number }>(
    `SELECT store_id, COUNT(*) FILTER (WHERE (body::jsonb)->>'outcome' = 'declined')::int AS declined, COUNT(*)::int AS total
     FROM records WHERE kind = 'tender_result' AND ingested_at >= now() - make_interval(secs => $1::float8) GROUP BY store_id`,
    [minutes(t.declineWindowMinutes)],
  );
  for (const d of declines) {
    const total = Number(d.total);
    const rate = total === 0 ? 0 : Number(d.declined) / total;
    if (total >= t.declineMinSample && rate >= t.declineRate) {
      found.push({
        key: `decline_rate:${d.store_id}`,
        kind: "decline_rate",
        storeId: d.store_id,
        subject: d.store_id,
        detail: { declined: Number(d.declined), total, rate, threshold: t.declineRate, windowMinutes: t.declineWindowMinutes },
      });
    }
  }

  for (const p of peers) {
    if (p.lagMs > t.replicationLagSeconds * 1000) {
      found.push({
        key: `replication_lag:${p.name}`,
        kind: "replication_lag",
        storeId: null,
        subject: p.name,
        detail: {
          peer: p.name,
          lagMs: p.lagMs,
          lagEvents: p.lagEvents,
          lastError: p.lastError,
          thresholdSeconds: t.replicationLagSeconds,
        },
      });
    }
  }
  return found;
}
