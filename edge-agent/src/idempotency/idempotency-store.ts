import { canonicalJson, sha256Hex } from "@tenderline/shared";
import type { Db } from "../storage/database.ts";

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type IdempotencyLookup = { kind: "new" } | { kind: "replay"; answer: StoredAnswer } | { kind: "conflict" };

/**
 * First answers to POSTs that carried an `Idempotency-Key`. The answer is saved in the same
 * transaction as the event it describes, so a retry after a crash gets exactly what the first
 * request recorded, or (if that never committed) records it now.
 */
export class IdempotencyStore {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly clock: () => number = Date.now,
  ) {
    this.stmts = {
      get: db.prepare("SELECT request_hash AS hash, status, response FROM idempotency WHERE key = ?"),
      put: db.prepare("INSERT INTO idempotency (key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?)"),
    };
  }

  static requestHash(route: string, body: unknown): string {
    return sha256Hex(`${route}\n${canonicalJson(body)}`);
  }

  lookup(key: string, hash: string): IdempotencyLookup {
    const row = this.stmts.get.get(key) as { hash: string; status: number; response: string } | undefined;
    if (!row) return { kind: "new" };
    if (row.hash !== hash) return { kind: "conflict" };
    return { kind: "replay", answer: { status: row.status, body: JSON.parse(row.response) } };
  }

  save(key: string, hash: string, answer: StoredAnswer): void {
    this.stmts.put.run(key, hash, answer.status, JSON.stringify(answer.body), this.clock());
  }
}
