import { createHash } from "node:crypto";

/**
 * Names for the SQL a process sends again and again, so PostgreSQL parses and plans each once per
 * connection (a named prepared statement) instead of on every call: a register's one-event batch
 * is eight short statements, and parsing and planning them was a large part of the server's work.
 * A text is named from its second use (one-off SQL never takes a slot), and only up to `limit`
 * texts: SQL built per call (it is not, today) would otherwise fill every session with statements.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly seenOnce = new Set<string>();

  constructor(private readonly limit = 256) {}

  /** The name to prepare `sql` under, or undefined to send it unnamed. */
  nameFor(sql: string): string | undefined {
    const known = this.names.get(sql);
    if (known !== undefined) return known;
    if (this.names.size >= this.limit) return undefined;
    if (!this.seenOnce.has(sql)) {
      if (this.seenOnce.size >= this.limit * 4) this.seenOnce.clear();
      this.seenOnce.add(sql);
      return undefined;
    }
    this.seenOnce.delete(sql);
    // The text decides the name, so every connection of every pool agrees on it.
    const name = `tl_${createHash("sha256").update(sql).digest("base64url").slice(0, 24)}`;
    this.names.set(sql, name);
    return name;
  }
}
