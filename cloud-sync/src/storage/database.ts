/**
 * The one storage seam: PGlite (embedded) and PostgreSQL (through a `pg` pool) both implement it,
 * so every query and migration is written once and runs on either.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Database extends Queryable {
  readonly backend: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a multi-statement SQL script (migrations) without parameters. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
