import { canonicalJson } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { openPglite } from "../storage/pglite-database.ts";
import { arrayParam, bodiesColumn } from "./store-records.ts";

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
