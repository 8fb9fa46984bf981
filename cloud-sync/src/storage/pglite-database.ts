import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { COPY_ROW_FORMAT, type Database, type Queryable } from "./database.ts";
import { type FlushFs, type PgliteFlusher, pgliteFlusher } from "./pglite-flush.ts";
import { alwaysHeldLock } from "./session-lock.ts";

export interface PgliteOptions {
  /**
   * fsync the WAL after each committed transaction, before `transaction` resolves (and so
   * before a batch is acknowledged). PGlite itself never fsyncs (pglite-flush.ts). Default true;
   * without a data directory (in memory) there is nothing to flush.
   */
  durableAcks?: boolean;
  /** The fs calls the flusher makes; tests count them. */
  flushFs?: FlushFs;
}

/** Embedded PostgreSQL in WebAssembly: one connection, a data directory per region (or in memory). */
export async function openPglite(dataDir: string | undefined, options: PgliteOptions = {}): Promise<Database> {
  const inMemory = dataDir === undefined || dataDir === "" || dataDir.startsWith("memory://");
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(inMemory ? undefined : dataDir);
  const flusher: PgliteFlusher | undefined =
    inMemory || options.durableAcks === false ? undefined : pgliteFlusher(dataDir, options.flushFs);
  const wrap = (q: Pick<PGlite, "query">): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query<R>(sql, params as unknown[]);
      return result.rows;
    },
    async copyRows(into, rows) {
      // PGlite reads COPY input from the /dev/blob device, filled from the query's blob.
      await q.query(`COPY ${into} FROM '/dev/blob' WITH (${COPY_ROW_FORMAT})`, [], { blob: new Blob([rows]) });
    },
  });
  return {
    backend: "pglite",
    ...wrap(pg),
    // PGlite serialises transactions itself: other queries wait until this one ends.
    async transaction(fn) {
      const result = await pg.transaction((tx) => fn(wrap(tx)));
      // Committed; made durable before the caller (ingest) acknowledges. A failed fsync throws:
      // the batch goes unacknowledged, and the register's retry comes back as duplicates.
      flusher?.flush();
      return result;
    },
    async exec(sql) {
      await pg.exec(sql);
      flusher?.flush();
    },
    // One process by construction (the data directory is this process's): it always leads.
    sessionLock: () => alwaysHeldLock(),
    // One connection by construction: there is no pool for the ping to queue behind.
    async ping() {
      await pg.query("SELECT 1");
    },
    async close() {
      await pg.close();
      // The shutdown checkpoint wrote data pages and pg_control without an fsync.
      flusher?.fullSync();
    },
  };
}
