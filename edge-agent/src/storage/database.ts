import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";

export type Db = Database.Database;

export const DB_FILE = "outbox.db";

export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(
      `the outbox database has schema version ${found} but this agent knows only up to ${SCHEMA_VERSION}; install the newer agent again instead of downgrading (a downgrade could lose pending events)`,
    );
    this.name = "SchemaTooNewError";
  }
}

/** The pragmas every connection uses: durability first (a 201 must survive a power cut). */
export function applyPragmas(db: Db, busyTimeoutMs = 5000): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma("foreign_keys = ON");
}

export function dbPath(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

/** Opens (creating if needed) the outbox database and brings its schema up to date. */
export function openDatabase(dataDir: string, options: { busyTimeoutMs?: number } = {}): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(dbPath(dataDir));
  try {
    applyPragmas(db, options.busyTimeoutMs);
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new SchemaTooNewError(current);
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
