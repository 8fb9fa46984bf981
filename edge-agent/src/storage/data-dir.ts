import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DB_FILE, dbPath } from "./database.ts";

export class UnsyncedDataError extends Error {
  constructor(
    readonly dataDir: string,
    readonly unsynced: number,
    why: string,
  ) {
    super(
      `${why}: ${dataDir} holds ${unsynced} event(s) no cloud region has acknowledged yet. Sync them first, or restart with --replace-unsynced (replaceUnsynced: true) to set them aside in an archive folder (they are kept, never deleted).`,
    );
    this.name = "UnsyncedDataError";
  }
}

export interface DataDirIdentity {
  storeId: string;
  registerId: string;
}

function readDir(dataDir: string): { identity?: DataDirIdentity; unsynced: number } | undefined {
  if (!existsSync(dbPath(dataDir))) return undefined;
  const db = new Database(dbPath(dataDir));
  try {
    db.pragma("busy_timeout = 5000");
    const hasOutbox = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").get();
    if (!hasOutbox) return { unsynced: 0 };
    const meta = new Map(
      (
        db.prepare("SELECT key, value FROM meta WHERE key IN ('store_id', 'register_id')").all() as Array<{
          key: string;
          value: string;
        }>
      ).map((r) => [r.key, r.value]),
    );
    const unsynced = (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state <> 'acked'").get() as { n: number }).n;
    const storeId = meta.get("store_id");
    const registerId = meta.get("register_id");
    return { unsynced, ...(storeId && registerId ? { identity: { storeId, registerId } } : {}) };
  } finally {
    db.close();
  }
}

/** Moves the database files into `archive-<time>/` inside the data directory; returns that folder. */
export function archiveDataDir(dataDir: string, now = new Date()): string {
  const archive = join(dataDir, `archive-${now.toISOString().replace(/[:.]/g, "-")}`);
  mkdirSync(archive, { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) {
    const file = `${DB_FILE}${suffix}`;
    if (existsSync(join(dataDir, file))) renameSync(join(dataDir, file), join(archive, file));
  }
  return archive;
}

/**
 * Before opening: a data directory that belongs to another store or register must not be taken
 * over silently. Without unsynced events it is archived and a fresh outbox starts; with them,
 * start-up stops unless `replaceUnsynced` says otherwise (and even then they are archived).
 */
export function claimDataDir(dataDir: string, identity: DataDirIdentity, replaceUnsynced: boolean): { archivedTo?: string } {
  const found = readDir(dataDir);
  if (!found?.identity) return {};
  if (found.identity.storeId === identity.storeId && found.identity.registerId === identity.registerId) return {};
  if (found.unsynced > 0 && !replaceUnsynced) {
    throw new UnsyncedDataError(
      dataDir,
      found.unsynced,
      `this data directory belongs to store ${found.identity.storeId} register ${found.identity.registerId}, not ${identity.storeId}/${identity.registerId}`,
    );
  }
  return { archivedTo: archiveDataDir(dataDir) };
}

/** The `reset` command: archives the outbox, refusing while it holds unsynced events unless forced. */
export function resetDataDir(dataDir: string, force: boolean): { archivedTo?: string } {
  const found = readDir(dataDir);
  if (!found) return {};
  if (found.unsynced > 0 && !force) throw new UnsyncedDataError(dataDir, found.unsynced, "refusing to reset");
  return { archivedTo: archiveDataDir(dataDir) };
}
