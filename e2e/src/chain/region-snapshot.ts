/**
 * A region's storage backed up and restored as an operator would, with the region stopped: a
 * PGlite data dir copied aside and back; a PostgreSQL database copied by template
 * (`CREATE DATABASE <snap> TEMPLATE <db>`, restored by dropping the database and copying the
 * snapshot back). The same as cloud-sync's testing/restorable-storage.ts, which e2e does not
 * import (it reaches the cloud through its processes and @tenderline/shared only); psql does the
 * SQL, as test-postgres.ts does.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";

export type RegionStorage = { kind: "pglite"; dataDir: string } | { kind: "pg"; databaseUrl: string };

function psql(url: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("psql", [url, "-v", "ON_ERROR_STOP=1", "-qc", sql], { timeout: 60_000 }, (error, _out, stderr) =>
      error ? reject(new Error(`psql failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

/** The database's name, and a URL to the server's maintenance database (to copy and drop it from). */
function pgTarget(databaseUrl: string): { name: string; adminUrl: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`cannot snapshot database "${name}": not a plain identifier`);
  url.pathname = name === "postgres" ? "/template1" : "/postgres";
  return { name, adminUrl: url.toString() };
}

/** Where a data dir's snapshot is kept, or a database's snapshot's name. */
export function snapshotOf(storage: RegionStorage): string {
  return storage.kind === "pglite" ? `${storage.dataDir}.snapshot` : `${pgTarget(storage.databaseUrl).name}_snapshot`;
}

/** Sessions a stopped region left behind would make CREATE DATABASE … TEMPLATE refuse. */
const dropSessions = (name: string) =>
  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`;

/** Call with the region stopped: replaces any earlier snapshot. */
export async function snapshotStorage(storage: RegionStorage): Promise<void> {
  const snap = snapshotOf(storage);
  if (storage.kind === "pglite") {
    if (!existsSync(storage.dataDir)) throw new Error(`no data dir to snapshot at ${storage.dataDir}`);
    rmSync(snap, { recursive: true, force: true });
    cpSync(storage.dataDir, snap, { recursive: true });
    return;
  }
  const { name, adminUrl } = pgTarget(storage.databaseUrl);
  await psql(adminUrl, `DROP DATABASE IF EXISTS "${snap}" WITH (FORCE)`);
  await psql(adminUrl, dropSessions(name));
  await psql(adminUrl, `CREATE DATABASE "${snap}" TEMPLATE "${name}"`);
}

/** Call with the region stopped: the storage is as it was at the snapshot; everything written since is gone. */
export async function restoreStorage(storage: RegionStorage): Promise<void> {
  const snap = snapshotOf(storage);
  if (storage.kind === "pglite") {
    if (!existsSync(snap)) throw new Error(`no snapshot to restore at ${snap}`);
    rmSync(storage.dataDir, { recursive: true, force: true });
    cpSync(snap, storage.dataDir, { recursive: true });
    return;
  }
  const { name, adminUrl } = pgTarget(storage.databaseUrl);
  await psql(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await psql(adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${snap}"`);
}
