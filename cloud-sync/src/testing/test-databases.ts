import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../storage/database.ts";
import { openDatabase } from "../storage/open-database.ts";

export type Backend = "pglite" | "postgres";

/** The PostgreSQL server the tests use; a test run that cannot reach it fails, it never skips. */
export const TEST_PG_ADMIN_URL = process.env.TENDERLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface PgTestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a uniquely named database for one test file; `drop()` removes it (closing stray connections). */
export async function createPgTestDatabase(label: string): Promise<PgTestDatabase> {
  const name = `tl_test_${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(TEST_PG_ADMIN_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestStore {
  backend: Backend;
  /** A new database handle (migrated) on this test file's storage; for PostgreSQL several may share one database. */
  open(): Promise<Database>;
  /** For region processes: the flags that point them at a fresh database of this backend. */
  /** Storage for a region process of its own: a PGlite directory in memory, or a fresh PostgreSQL database. */
  processStorage(name: string): Promise<{ dataDir: string } | { databaseUrl: string }>;
  cleanup(): Promise<void>;
}

/** Storage for one test file: a PGlite in memory, or a fresh PostgreSQL database dropped at the end. */
export async function testStore(backend: Backend, label: string): Promise<TestStore> {
  const opened: Database[] = [];
  const pgDatabases: PgTestDatabase[] = [];
  let main: PgTestDatabase | undefined;
  if (backend === "postgres") {
    main = await createPgTestDatabase(label);
    pgDatabases.push(main);
  }
  return {
    backend,
    async open() {
      const db = await openDatabase(main ? { databaseUrl: main.url, poolSize: 5 } : { dataDir: "memory://" });
      opened.push(db);
      return db;
    },
    async processStorage(name) {
      if (backend === "pglite") return { dataDir: "memory://" };
      const extra = await createPgTestDatabase(`${label}_${name}`);
      pgDatabases.push(extra);
      return { databaseUrl: extra.url };
    },
    async cleanup() {
      await Promise.all(opened.map((db) => db.close()));
      for (const d of pgDatabases) await d.drop();
    },
  };
}
