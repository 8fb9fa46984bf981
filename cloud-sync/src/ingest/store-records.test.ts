import { describe, expect, it } from "vitest";
import { openPglite } from "../storage/pglite-database.ts";
import { textArrayLiteral } from "./store-records.ts";

describe("textArrayLiteral", () => {
  it("round-trips JSON texts with quotes, backslashes, escapes, braces and non-ASCII through PostgreSQL", async () => {
    const texts = [
      JSON.stringify({
        a: 'say "hi"',
        b: "back\\slash",
        c: "line\nbreak\ttab",
        d: "{braces},[x]",
        e: "é😀\u2028",
        f: "\ud800",
        g: null,
      }),
      "{}",
      '""',
      "NULL",
      JSON.stringify("  spaced  "),
    ];
    const db = await openPglite(undefined);
    try {
      const rows = await db.query<{ t: string }>("SELECT unnest($1::text[]) AS t", [textArrayLiteral(texts)]);
      expect(rows.map((r) => r.t)).toEqual(texts);
    } finally {
      await db.close();
    }
  });
});
