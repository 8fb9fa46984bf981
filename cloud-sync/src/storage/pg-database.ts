import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_ROW_FORMAT, type Database, type Queryable } from "./database.ts";
import { pgSessionLock } from "./session-lock.ts";
import { StatementNames } from "./statement-names.ts";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Per-pool type parsers (not pg's global ones) so both backends return numbers for bigint columns;
// our bigints (positions, seqs, counts) stay far below 2^53.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A real PostgreSQL server through a `pg` pool. */
export async function openPostgres(connectionString: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  const copyInto = async (client: pg.PoolClient, into: string, rows: string) => {
    await pipeline(Readable.from([rows]), client.query(copyFrom(`COPY ${into} FROM STDIN WITH (${COPY_ROW_FORMAT})`)));
  };
  const statements = new StatementNames();
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []) {
      // Only a statement with parameters can be prepared (the extended protocol); the rest stay simple queries.
      const name = params.length > 0 ? statements.nameFor(sql) : undefined;
      const result = await q.query(name ? { name, text: sql, values: params as unknown[] } : sql, params as unknown[]);
      return result.rows as R[];
    },
    async copyRows(into, rows) {
      if (q !== pool) return copyInto(q as pg.PoolClient, into, rows);
      const client = await pool.connect();
      try {
        await copyInto(client, into, rows);
      } finally {
        client.release();
      }
    },
  });
  // Fail at start-up, not at the first request, when the server is unreachable.
  await pool.query("SELECT 1");
  const pinger = pingConnection(connectionString);
  return {
    backend: "postgres",
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    sessionLock(name) {
      return pgSessionLock(connectionString, name);
    },
    ping: () => pinger.ping(),
    async close() {
      await pinger.close();
      await pool.end();
    },
  };
}

/** How long a ping may take before the database counts as unreachable. */
const PING_TIMEOUT_MS = 2_000;

/**
 * A connection kept for pings alone, opened at the first and opened again after any failure (a
 * restarted server, a cut link), so a ping never waits behind the pool's transactions.
 */
function pingConnection(connectionString: string): { ping(): Promise<void>; close(): Promise<void> } {
  let client: Promise<pg.Client> | undefined;
  const open = (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString, query_timeout: PING_TIMEOUT_MS, connectionTimeoutMillis: PING_TIMEOUT_MS });
    const opened = c.connect().then(() => c);
    // A connection the server dropped between pings is let go at once, so the next ping opens
    // another instead of reporting a failure that is already over.
    const forget = () => {
      if (client === opened) client = undefined;
    };
    c.on("error", () => {
      forget();
      c.end().catch(() => undefined);
    });
    c.on("end", forget);
    return opened;
  };
  // The ping that failed reports why; closing what is left of its connection can only fail again.
  const discard = async (failed: Promise<pg.Client>) => {
    if (client === failed) client = undefined;
    const c = await failed.catch(() => undefined);
    await c?.end().catch(() => undefined);
  };
  return {
    async ping() {
      client ??= open();
      const current = client;
      try {
        await (await current).query("SELECT 1");
      } catch (error) {
        await discard(current);
        throw error;
      }
    },
    async close() {
      if (client) await discard(client);
    },
  };
}
