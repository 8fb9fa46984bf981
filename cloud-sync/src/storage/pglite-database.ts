import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { COPY_ROW_FORMAT, type Database, type Queryable } from "./database.ts";

/** Embedded PostgreSQL in WebAssembly: one connection, a data directory per region (or in memory). */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const inMemory = dataDir === undefined || dataDir === "" || dataDir.startsWith("memory://");
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(inMemory ? undefined : dataDir);
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
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async exec(sql) {
      await pg.exec(sql);
    },
    async close() {
      await pg.close();
    },
  };
}
