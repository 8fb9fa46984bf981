import { createHash } from "node:crypto";
import pg from "pg";

/**
 * A named lock held for as long as one database session lives: how one instance of a region, of
 * several over one database, leads a background job. The database releases it when that
 * session ends, so a dead instance's lock frees itself.
 */
export interface SessionLock {
  /**
   * Takes the lock if it is free, or (when held) checks that the session holding it is alive.
   * Resolves true while this instance holds it; never throws (an unreachable database is false).
   */
  tryHold(): Promise<boolean>;
  /** Gives the lock up (if held) and closes its session. */
  release(): Promise<void>;
}

/** The advisory lock key of a name: the first 8 bytes of its SHA-256, as a signed bigint. */
export function advisoryKey(name: string): string {
  return createHash("sha256").update(`tenderline:${name}`).digest().readBigInt64BE(0).toString();
}

/** PGlite is one process by construction: its only instance always holds every lock. */
export function alwaysHeldLock(): SessionLock {
  return { tryHold: async () => true, release: async () => undefined };
}

/**
 * A session-level `pg_try_advisory_lock` on a connection of its own (never a pooled one: a pool
 * hands the session, and the lock with it, to other queries and may close it any time). The
 * connection stays open while it leads; a `SELECT 1` on each try proves it still does, and a
 * failed one (or a connection error) drops the connection: the lock is the server's to free.
 */
export function pgSessionLock(connectionString: string, name: string, timeoutMs = 5000): SessionLock {
  const key = advisoryKey(name);
  let client: pg.Client | undefined;
  let held = false;
  const drop = async () => {
    const c = client;
    client = undefined;
    held = false;
    await c?.end().catch(() => undefined);
  };
  return {
    async tryHold() {
      try {
        if (client && held) {
          await client.query("SELECT 1");
          return held;
        }
        if (!client) {
          const c = new pg.Client({
            connectionString,
            connectionTimeoutMillis: timeoutMs,
            query_timeout: timeoutMs,
            keepAlive: true,
            application_name: `tenderline lock ${name}`,
          });
          // A broken session loses the lock with it; the next try starts a new one.
          c.on("error", () => {
            if (client === c) void drop();
          });
          c.on("end", () => {
            if (client === c) {
              client = undefined;
              held = false;
            }
          });
          client = c;
          await c.connect();
        }
        const [row] = (await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key])).rows;
        held = row?.locked === true;
        return held;
      } catch {
        await drop();
        return false;
      }
    },
    async release() {
      const c = client;
      if (c && held) await c.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
      await drop();
    },
  };
}
