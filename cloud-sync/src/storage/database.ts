import type { SessionLock } from "./session-lock.ts";

/**
 * The one storage seam: PGlite (embedded) and PostgreSQL (through a `pg` pool) both implement it,
 * so every query and migration is written once and runs on either.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Bulk-loads rows with COPY: `into` is `table (columns…)`, `rows` is COPY_ROW_FORMAT text
   * (copy-rows.ts builds it). The server's COPY, from the client (pg) or from a blob (PGlite).
   */
  copyRows(into: string, rows: string): Promise<void>;
}

/**
 * CSV with a unit separator between fields, a newline after each row, and a quote character no
 * row holds: values go as they are, unquoted and unescaped; an empty field is NULL.
 */
export const COPY_ROW_FORMAT = "FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x01'";

export interface Database extends Queryable {
  readonly backend: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement SQL script (migrations) without parameters. */
  exec(sql: string): Promise<void>;
  /**
   * A lock named `name` held on a session of its own (not a pooled connection), freed by the
   * server when that session ends (the instance died): leadership of a background job.
   */
  sessionLock(name: string): SessionLock;
  /**
   * Whether the server answers, asked on a connection of its own: a health check must tell a
   * reachable database from a busy pool, or a loaded instance is taken out of rotation (and with
   * it, one by one, every instance of the region). Throws what the server or the network said.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Whether a query failed on a unique constraint (SQLSTATE 23505); both backends carry the code. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "23505";
}
