/**
 * The ingest benchmark's baseline: the raw `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`
 * of rows shaped like the log's, straight into a table like it, with the region's parameter
 * encoding and as many connections as the benchmark has registers sending.
 */
import { performance } from "node:perf_hooks";
import { canonicalJson, sha256Hex } from "@tenderline/shared";
import { arrayParam, bodiesColumn } from "../src/ingest/store-records.ts";
import type { Database } from "../src/storage/database.ts";
import type { Batch } from "./batches.ts";
import { mainThreadCpuMs } from "./thread-cpu.ts";

/** A fresh `bench_raw` table: the log's columns, constraints and indexes. */
export async function createRawTable(db: Database): Promise<void> {
  await db.query("DROP TABLE IF EXISTS bench_raw");
  await db.query("CREATE TABLE bench_raw (LIKE records INCLUDING ALL)");
}

type RawRow = readonly [string, string, string, string, string, string, string, number, string];

/** The rows of the batches' events as the log would hold them (canonical body, its hash): prepared before timing. */
export function rawRows(batches: readonly Batch[]): RawRow[][] {
  return batches.map((b) =>
    b.events.map((e) => {
      const body = canonicalJson(e);
      return [e.eventId, "event", "bench", sha256Hex(body), body, e.storeId, e.registerId, e.seq, e.type] as const;
    }),
  );
}

/** The same number and shape of rows (fresh ids) straight into a table shaped like the log; times only the inserts. */
export async function rawInsert(
  db: Database,
  batches: readonly RawRow[][],
  lanes: number,
): Promise<{ ms: number; cpuMs: number }> {
  const insert = (rows: readonly RawRow[]) => {
    // Same parameter encoding as the service uses (columns as array literals, bodies as one separated text).
    const bodies = bodiesColumn(
      5,
      rows.map((r) => r[4]),
    );
    return db.query(
      `INSERT INTO bench_raw (record_id, kind, origin_region, content_hash, body, store_id, register_id, seq, event_type)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], ${bodies.sql}, $6::text[], $7::text[], $8::bigint[], $9::text[])
       ON CONFLICT DO NOTHING`,
      Array.from({ length: 9 }, (_, col) => (col === 4 ? bodies.param : arrayParam(rows.map((r) => r[col] as string | number)))),
    );
  };
  const started = performance.now();
  const cpu = mainThreadCpuMs() ?? 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < batches.length; i += lanes) await insert(batches[i] as readonly RawRow[]);
    }),
  );
  return { ms: performance.now() - started, cpuMs: (mainThreadCpuMs() ?? 0) - cpu };
}
