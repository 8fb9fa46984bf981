import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";

export type Db = Database.Database;
export type Statement = Database.Statement;

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

/**
 * Runs `write` (a transaction) committing without waiting for the disk (synchronous = NORMAL, in
 * WAL mode: safe from a crash of the process, not from a power cut), then back to FULL. Only for
 * writes that a power cut may undo at no cost: marking rows acked (they would be resent, and the
 * region answers "duplicate"). The next FULL commit's sync writes them to disk anyway.
 */
export function commitWithoutWaitingForDisk<T>(db: Db, write: () => T): T {
  // Not prepared once: SQLite applies this pragma while compiling it, so a prepared copy does nothing when run.
  db.pragma("synchronous = NORMAL");
  try {
    return write();
  } finally {
    db.pragma("synchronous = FULL");
  }
}

export function dbPath(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

export interface OpenDatabaseOptions {
  busyTimeoutMs?: number;
  /**
   * The connection's page cache limit in KiB (SQLite's `cache_size = -N`); unset keeps SQLite's
   * default (2,000 KiB). A fleet of hundreds of registers in one process sets it small: a register's
   * working set (the outbox tail, the indexes' upper pages) is a few hundred KiB.
   */
  cacheSizeKiB?: number;
}

/** Opens (creating if needed) the outbox database and brings its schema up to date. */
export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(dbPath(dataDir));
  try {
    applyPragmas(db, options.busyTimeoutMs);
    if (options.cacheSizeKiB !== undefined) {
      if (!Number.isInteger(options.cacheSizeKiB) || options.cacheSizeKiB < 64) {
        throw new RangeError(`cacheSizeKiB must be a whole number of KiB, at least 64 (got ${options.cacheSizeKiB})`);
      }
      db.pragma(`cache_size = -${options.cacheSizeKiB}`);
    }
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
