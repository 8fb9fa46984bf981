import { randomUUID } from "node:crypto";
import { canonicalJson } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { computeDigest, scanDigest } from "../replication/digest.ts";
import { migrate } from "../storage/migrate.ts";
import { openPglite } from "../storage/pglite-database.ts";
import { arrayParam, bodiesColumn, COPY_FROM_RECORDS, copyRowsOf, type NewRecord, storeRecords } from "./store-records.ts";

const record = (seq: number, body: string): NewRecord => ({
  recordId: randomUUID(),
  kind: "event",
  originRegion: "A",
  hash: `h${seq}`,
  body,
  storeId: "s1",
  registerId: "r1",
  seq,
  eventType: "sale.completed",
  subjectEventId: null,
  tenderId: null,
});

describe("storeRecords of records expected to be new", () => {
  it("stores each record as it came, whether it travels by COPY or cannot", async () => {
    const db = await openPglite(undefined);
    try {
      await migrate(db);
      const copyable = [
        record(1, canonicalJson({ note: 'quote " back\\slash , comma', emoji: "😀" })),
        ...Array.from({ length: COPY_FROM_RECORDS - 1 }, (_, i) => record(i + 2, "{}")),
      ];
      // A peer's record is stored as it came: a raw line break cannot be a COPY row, so it is inserted.
      const notCopyable = Array.from({ length: COPY_FROM_RECORDS }, (_, i) =>
        record(COPY_FROM_RECORDS + 1 + i, i === 0 ? "raw\nline" : "{}"),
      );
      expect(copyRowsOf(copyable)).toBeDefined();
      expect(copyRowsOf(notCopyable)).toBeUndefined();
      for (const batch of [copyable, notCopyable]) {
        const outcomes = await db.transaction((tx) => storeRecords(tx, batch, { likelyNew: true }));
        expect(outcomes).toEqual(batch.map(() => ({ status: "accepted" })));
      }
      const rows = await db.query<{ record_id: string; body: string; seq: number; subject_event_id: string | null }>(
        "SELECT record_id, body, seq, subject_event_id FROM records ORDER BY pos",
      );
      expect(rows).toEqual(
        [...copyable, ...notCopyable].map((r) => ({ record_id: r.recordId, body: r.body, seq: r.seq, subject_event_id: null })),
      );
    } finally {
      await db.close();
    }
  });
});

describe("storeRecords' way into the log", () => {
  it("stores a register's usual small batch with one insert, a large one with one COPY", async () => {
    const db = await openPglite(undefined);
    try {
      await migrate(db);
      let copies = 0;
      let statements = 0;
      const counted = async (batch: NewRecord[]) =>
        db.transaction((tx) =>
          storeRecords(
            {
              query: (sql, params) => {
                statements++;
                return tx.query(sql, params);
              },
              copyRows: (into, rows) => {
                copies++;
                return tx.copyRows(into, rows);
              },
            },
            batch,
            { likelyNew: true },
          ),
        );
      const small = [record(1, "{}"), record(2, "{}")];
      expect(await counted(small)).toEqual(small.map(() => ({ status: "accepted" })));
      expect(copies).toBe(0);
      // One round trip: the insert takes the append lock and adds to the kept digest itself.
      expect(statements).toBe(1);
      expect(await computeDigest(db)).toEqual(await scanDigest(db));
      // A record already held: the insert skips it, so the digest is added apart, for the new one only.
      statements = 0;
      const again = [small[1] as NewRecord, record(3, "{}")];
      expect(await counted(again)).toEqual([{ status: "duplicate" }, { status: "accepted" }]);
      expect(statements).toBeGreaterThan(1);
      expect(await computeDigest(db)).toEqual(await scanDigest(db));
      const large = Array.from({ length: COPY_FROM_RECORDS }, (_, i) => record(4 + i, "{}"));
      expect(await counted(large)).toEqual(large.map(() => ({ status: "accepted" })));
      expect(copies).toBe(1);
      const [stored] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM records");
      expect(stored?.n).toBe(small.length + 1 + large.length);
      expect(await computeDigest(db)).toEqual(await scanDigest(db));
    } finally {
      await db.close();
    }
  });
});

describe("copyRowsOf", () => {
  it("writes a row per record, fields split by the unit separator and a null as an empty field", () => {
    const r = record(7, '{"a":1}');
    expect(copyRowsOf([r])).toBe(
      `${[r.recordId, "event", "A", "h7", '{"a":1}', "s1", "r1", "7", "sale.completed", "", ""].join("\u001f")}\n`,
    );
  });

  it("gives up on any value the format cannot carry: its separator or quote, a line end, an empty text", () => {
    for (const body of ["a\u001fb", "a\u0001b", "a\nb", "a\rb", ""]) {
      expect(copyRowsOf([record(1, "{}"), record(2, body)])).toBeUndefined();
    }
    expect(copyRowsOf([{ ...record(1, "{}"), tenderId: "" }])).toBeUndefined();
  });
});

describe("bodiesColumn", () => {
  const roundTrip = async (bodies: string[]) => {
    const column = bodiesColumn(1, bodies);
    const db = await openPglite(undefined);
    try {
      const rows = await db.query<{ t: string }>(`SELECT unnest(${column.sql}) AS t`, [column.param]);
      return { joined: typeof column.param === "string", stored: rows.map((r) => r.t) };
    } finally {
      await db.close();
    }
  };

  it("sends canonical JSON bodies as one separated text and gets them back intact", async () => {
    const bodies = [
      canonicalJson({
        a: 'say "hi"',
        b: "back\\slash",
        c: "line\nbreak\ttab\u001e",
        d: "{braces},[x]",
        e: "é😀\u2028",
        f: "\ud800",
        g: null,
      }),
      "{}",
      '""',
      "null",
      canonicalJson("  spaced  "),
    ];
    expect(await roundTrip(bodies)).toEqual({ joined: true, stored: bodies });
  });

  it("still stores a body the separator cannot carry (a raw separator, an empty text), as it came", async () => {
    const bodies = ["{}", "raw\u001eseparator", ""];
    expect(await roundTrip(bodies)).toEqual({ joined: false, stored: bodies });
  });
});

describe("arrayParam", () => {
  it("round-trips text, uuid and bigint arrays with nulls and awkward strings through PostgreSQL", async () => {
    const texts = ['say "hi"', "back\\slash", "{braces},[x]", "a,b", "NULL", "null", "", "  spaced  ", "é\u2028", null, "reg-1"];
    const awkward = ["line\nbreak", "tab\there", "\u0001x", "emoji 😀"];
    const uuids = ["0190f1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b", null, "0190F1B2-7C3D-7E4F-8A5B-6C7D8E9F0A1C"];
    const seqs = [1, 2 ** 40, null, 0];
    const db = await openPglite(undefined);
    try {
      const roundTrip = async (param: unknown, type: string) =>
        (await db.query<{ v: unknown }>(`SELECT unnest($1::${type}[])::text AS v`, [param])).map((r) => r.v);
      expect(typeof arrayParam(texts)).toBe("string");
      expect(await roundTrip(arrayParam(texts), "text")).toEqual(texts);
      // Characters JSON would escape: the array goes to the driver as it is, and still round-trips.
      expect(arrayParam(awkward)).toBe(awkward);
      expect(await roundTrip(arrayParam(awkward), "text")).toEqual(awkward);
      expect(await roundTrip(arrayParam(uuids), "uuid")).toEqual(uuids.map((u) => u?.toLowerCase() ?? null));
      expect(await roundTrip(arrayParam(seqs), "bigint")).toEqual(seqs.map((n) => (n === null ? null : String(n))));
      expect(await roundTrip(arrayParam([]), "text")).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
