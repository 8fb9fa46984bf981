import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";

/** The same server and variable as the cloud's PostgreSQL tests. */
const ADMIN_URL = process.env.TENDERLINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function psql(database: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("psql", [databaseUrl(database), "-v", "ON_ERROR_STOP=1", "-qc", sql], { timeout: 30_000 }, (error, _out, stderr) =>
      error ? reject(new Error(`psql failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

/** A fresh PostgreSQL database for one test (on the local server, trust auth), and its removal. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tl_e2e_${label}_${randomBytes(4).toString("hex")}`;
  await psql("postgres", `CREATE DATABASE ${name}`);
  return { url: databaseUrl(name), drop: () => psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
