import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "./database.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Any constant will do; it only has to be the same for every instance of the service.
const MIGRATION_LOCK = 74_310_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ version: Number.parseInt(name, 10), name, sql: readFileSync(new URL(name, MIGRATIONS_DIR), "utf8") }));
}

/**
 * Applies every migration not yet applied, each in its own transaction. An advisory lock makes
 * instances that start together on one PostgreSQL take turns instead of racing.
 */
export async function migrate(db: Database): Promise<number[]> {
  // Under the lock too: two servers creating the same table at once can collide in the catalog.
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await tx.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
  });
  const applied: number[] = [];
  for (const migration of loadMigrations()) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const rows = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]);
      if (rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/** Our migrations keep one statement per `;`-terminated block and no `;` inside literals. */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, "")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
