import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../testing/fixtures.ts";
import { applyPragmas, dbPath, openDatabase, SchemaTooNewError } from "./database.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";

describe("outbox database", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  function dir(): string {
    const t = tempDir("tl-db-");
    cleanups.push(t.cleanup);
    return t.dir;
  }

  it("opens with WAL, synchronous=FULL, a busy timeout, and the current schema version", () => {
    const db = openDatabase(dir());
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it("upgrades an older outbox in place, keeping its pending events", () => {
    const d = dir();
    const old = new Database(dbPath(d));
    applyPragmas(old);
    old.exec(MIGRATIONS[0] as string);
    old.pragma("user_version = 1");
    old
      .prepare(
        "INSERT INTO outbox (seq, event_id, type, body, bytes, recorded_at) VALUES (1, 'e1', 'sale.completed', '{}', 2, 1)",
      )
      .run();
    old.close();

    const db = openDatabase(d);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT seq, event_id AS eventId, state FROM outbox").all()).toEqual([
      { seq: 1, eventId: "e1", state: "pending" },
    ]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'cloud_gaps'").get()).toEqual({ name: "cloud_gaps" });
    db.close();
  });

  it("refuses a database from a newer agent rather than risk its events", () => {
    const d = dir();
    const newer = new Database(dbPath(d));
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => openDatabase(d)).toThrowError(SchemaTooNewError);
  });
});
