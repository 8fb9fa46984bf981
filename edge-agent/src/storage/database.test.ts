import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Ledger } from "../ledger/ledger.ts";
import { tempDir } from "../testing/fixtures.ts";
import { applyPragmas, commitWithoutWaitingForDisk, dbPath, openDatabase, SchemaTooNewError } from "./database.ts";
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

  it("commits a write that a power cut may undo without waiting for the disk, then waits again for the next", () => {
    const db = openDatabase(dir());
    const during = commitWithoutWaitingForDisk(db, () => db.pragma("synchronous", { simple: true }));
    expect(during).toBe(1);
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    // A write that fails leaves the connection waiting for the disk too.
    expect(() =>
      commitWithoutWaitingForDisk(db, () => {
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
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

  it("moves a version-2 ledger to the one-copy layout, keeping every receipt and what was returned", () => {
    const d = dir();
    const old = new Database(dbPath(d));
    applyPragmas(old);
    old.exec(MIGRATIONS[0] as string);
    old.exec(MIGRATIONS[1] as string);
    old.pragma("user_version = 2");
    const event = (seq: number, transactionId: string) =>
      JSON.stringify({
        eventId: `e${seq}`,
        occurredAt: "2026-01-01T00:00:00.000Z",
        payload: {
          transactionId,
          lines: [{ sku: "A", quantity: 2, unitPrice: { amount: 500, currency: "EUR" }, tax: { amount: 0, currency: "EUR" } }],
        },
      });
    const state = JSON.stringify({
      lines: [{ lineNo: 0, sku: "A", quantity: 2, unitPrice: 500, tax: 0, currency: "EUR", returned: 1 }],
      tenders: [],
    });
    // t1's outbox row was already pruned: its receipt lives only in the ledger.
    old
      .prepare("INSERT INTO outbox (seq, event_id, type, body, bytes, recorded_at) VALUES (2, 'e2', 'sale.completed', ?, 1, 2)")
      .run(event(2, "t2"));
    const insert = old.prepare(
      "INSERT INTO transactions (seq, transaction_id, kind, recorded_at, currency, total, receipt, state) VALUES (?, ?, 'sale', ?, 'EUR', 1000, ?, ?)",
    );
    insert.run(1, "t1", 1, event(1, "t1"), state);
    insert.run(2, "t2", 2, event(2, "t2"), state);
    old.close();

    const db = openDatabase(d);
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    // The event is stored once: only the ledger row without an outbox row keeps a copy.
    expect(db.prepare("SELECT transaction_id AS id, receipt IS NOT NULL AS copy FROM transactions ORDER BY seq").all()).toEqual([
      { id: "t1", copy: 1 },
      { id: "t2", copy: 0 },
    ]);
    const ledger = new Ledger(db);
    for (const [id, seq] of [
      ["t1", 1],
      ["t2", 2],
    ] as const) {
      const tx = ledger.get(id);
      expect(tx?.seq).toBe(seq);
      expect(tx?.eventId).toBe(`e${seq}`);
      expect(tx?.receipt).toMatchObject({ transactionId: id });
      expect(tx?.lines.map((l) => l.returned)).toEqual([1]);
    }
    db.close();
  });

  describe("migration 7: offline_stored_value_tenders", () => {
    const objects = (db: Database.Database) =>
      db
        .prepare("SELECT type, name FROM sqlite_master WHERE tbl_name = 'offline_stored_value_tenders' ORDER BY type, name")
        .all();
    const insertRow = (db: Database.Database, tenderId: string, approvedBy: string | null) =>
      db
        .prepare(
          "INSERT INTO offline_stored_value_tenders (tender_id, seq, kind, currency, amount, recorded_at, approved_by) VALUES (?, 1, 'gift_card', 'USD', 4000, 1, ?)",
        )
        .run(tenderId, approvedBy);

    it("creates the table and its index on a fresh database", () => {
      const db = openDatabase(dir());
      expect(objects(db)).toEqual([
        { type: "index", name: "offline_stored_value_tenders_seq" },
        { type: "table", name: "offline_stored_value_tenders" },
      ]);
      insertRow(db, "t-1", "m-1");
      expect(() =>
        db.prepare("INSERT INTO offline_stored_value_tenders VALUES ('t-2', 1, 'cash', 'USD', 1, 1, NULL)").run(),
      ).toThrow(/CHECK/);
      db.close();
    });

    it("creates it on a version-6 database that never had it", () => {
      const d = dir();
      const old = new Database(dbPath(d));
      applyPragmas(old);
      for (const m of MIGRATIONS.slice(0, 6)) old.exec(m);
      old.pragma("user_version = 6");
      expect(objects(old)).toEqual([]);
      old.close();

      const db = openDatabase(d);
      expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      expect(objects(db)).toHaveLength(2);
      db.close();
    });

    it("keeps the table and its rows on a version-6 database where the risk module had made it itself", () => {
      const d = dir();
      const old = new Database(dbPath(d));
      applyPragmas(old);
      for (const m of MIGRATIONS.slice(0, 6)) old.exec(m);
      old.pragma("user_version = 6");
      // What OfflineStoredValueRisk ran on first use before migration 7, verbatim.
      old.exec(`CREATE TABLE IF NOT EXISTS offline_stored_value_tenders (
  tender_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('gift_card', 'store_credit')),
  currency TEXT NOT NULL,
  amount INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  approved_by TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS offline_stored_value_tenders_seq ON offline_stored_value_tenders (seq);`);
      insertRow(old, "t-1", "m-1");
      insertRow(old, "t-2", null);
      old.close();

      const db = openDatabase(d);
      expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
      expect(objects(db)).toHaveLength(2);
      expect(
        db
          .prepare("SELECT tender_id AS tenderId, approved_by AS approvedBy FROM offline_stored_value_tenders ORDER BY tender_id")
          .all(),
      ).toEqual([
        { tenderId: "t-1", approvedBy: "m-1" },
        { tenderId: "t-2", approvedBy: null },
      ]);
      db.close();
    });
  });

  it("refuses a database from a newer agent rather than risk its events", () => {
    const d = dir();
    const newer = new Database(dbPath(d));
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    expect(() => openDatabase(d)).toThrowError(SchemaTooNewError);
  });
});
