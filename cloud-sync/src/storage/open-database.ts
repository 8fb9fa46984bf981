import type { Database } from "./database.ts";
import { migrate } from "./migrate.ts";
import { openPostgres } from "./pg-database.ts";
import { openPglite } from "./pglite-database.ts";

export interface DatabaseConfig {
  /** Set: a real PostgreSQL server. Unset: PGlite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  poolSize?: number;
}

/** Opens the configured backend and brings its schema up to date. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const db = config.databaseUrl ? await openPostgres(config.databaseUrl, config.poolSize) : await openPglite(config.dataDir);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
