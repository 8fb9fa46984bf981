import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgTestDatabase, type PgTestDatabase } from "../testing/test-databases.ts";
import type { Database } from "./database.ts";
import { loadMigrations, migrate } from "./migrate.ts";
import { openPostgres } from "./pg-database.ts";
import { openPglite } from "./pglite-database.ts";

/** The one set of migrations, on one backend: applied once, in order, also when instances start together. */
export function migrateSuite(backend: "pglite" | "postgres"): void {
  describe(`migrations on ${backend}`, () => {
    let pgdb: PgTestDatabase | undefined;
    const opened: Database[] = [];
    const open = async () => {
      const db = pgdb ? await openPostgres(pgdb.url, 3) : await openPglite(undefined);
      opened.push(db);
      return db;
    };
    beforeAll(async () => {
      if (backend === "postgres") pgdb = await createPgTestDatabase("migrate");
    });
    afterAll(async () => {
      await Promise.all(opened.map((d) => d.close()));
      await pgdb?.drop();
    });

    it("applies every migration once, even when several instances migrate at the same moment", async () => {
      const versions = loadMigrations().map((m) => m.version);
      expect(versions.length).toBeGreaterThanOrEqual(3);
      const dbs = backend === "postgres" ? await Promise.all([open(), open(), open()]) : [await open()];
      const applied = await Promise.all(dbs.map((db) => migrate(db)));
      expect(applied.flat().sort((a, b) => a - b)).toEqual(versions);
      expect(await migrate(dbs[0] as Database)).toEqual([]);
      const rows = await (dbs[0] as Database).query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      );
      expect(rows.map((r) => Number(r.version))).toEqual(versions);
    });
  });
}
