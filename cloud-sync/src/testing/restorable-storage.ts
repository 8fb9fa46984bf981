import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Backend } from "./test-databases.ts";
import { createPgTestDatabase, TEST_PG_ADMIN_URL } from "./test-databases.ts";

/**
 * A region's storage that a test can back up and restore as an operator would: a PGlite
 * directory copied while the region is stopped, or a PostgreSQL database copied by template.
 * Restoring puts the copy back in place: everything written since the snapshot is gone.
 */
export interface RestorableStorage {
  flags: { dataDir: string } | { databaseUrl: string };
  /** Call with the region stopped. */
  snapshot(): Promise<void>;
  /** Call with the region stopped: the storage is as it was at the snapshot. */
  restore(): Promise<void>;
  cleanup(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function restorableStorage(backend: Backend, label: string): Promise<RestorableStorage> {
  if (backend === "pglite") {
    const root = mkdtempSync(join(tmpdir(), `tl-${label}-`));
    const dataDir = join(root, "region");
    const backup = join(root, "backup");
    return {
      flags: { dataDir },
      async snapshot() {
        rmSync(backup, { recursive: true, force: true });
        cpSync(dataDir, backup, { recursive: true });
      },
      async restore() {
        rmSync(dataDir, { recursive: true, force: true });
        cpSync(backup, dataDir, { recursive: true });
      },
      async cleanup() {
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
  const db = await createPgTestDatabase(label);
  const backup = `${db.name}_backup`;
  return {
    flags: { databaseUrl: db.url },
    async snapshot() {
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${backup} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${backup} TEMPLATE ${db.name}`);
      });
    },
    async restore() {
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
        await c.query(`CREATE DATABASE ${db.name} TEMPLATE ${backup}`);
      });
    },
    async cleanup() {
      await db.drop();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${backup} WITH (FORCE)`));
    },
  };
}
