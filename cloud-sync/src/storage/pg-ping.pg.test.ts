import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgTestDatabase, type PgTestDatabase } from "../testing/test-databases.ts";
import type { Database } from "./database.ts";
import { openPostgres } from "./pg-database.ts";

describe("Database.ping on PostgreSQL", () => {
  let pgdb: PgTestDatabase;
  let db: Database;
  beforeAll(async () => {
    pgdb = await createPgTestDatabase("ping");
    db = await openPostgres(pgdb.url, 2);
  });
  afterAll(async () => {
    await db.close();
    await pgdb.drop();
  });

  it("answers while every pooled connection is held by a transaction", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const entered: Array<() => void> = [];
    const bothIn = Promise.all([0, 1].map(() => new Promise<void>((resolve) => entered.push(resolve))));
    const transactions = [0, 1].map((i) =>
      db.transaction(async (tx) => {
        await tx.query("SELECT 1");
        entered[i]?.();
        await held;
      }),
    );
    await bothIn;
    // A query through the pool would wait for a free connection; the ping has its own.
    let pooledAnswered = false;
    const pooled = db.query("SELECT 1").then(() => {
      pooledAnswered = true;
    });
    await db.ping();
    expect(pooledAnswered).toBe(false);
    release();
    await Promise.all([...transactions, pooled]);
    expect(pooledAnswered).toBe(true);
  });

  it("reports a server that ended its session, and connects again at the next ping", async () => {
    await db.ping();
    // The server ends every other session of this database, the ping's among them.
    await db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    // A ping that meets the dying session says why; once the loss is known the next ping has
    // opened another session and answers.
    const first = await db.ping().then(
      () => "answered",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(first).toMatch(/^answered$|terminat|connection/i);
    await db.ping();
    await db.ping();
  });
});
