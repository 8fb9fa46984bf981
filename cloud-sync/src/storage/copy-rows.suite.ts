import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { type Database, isUniqueViolation } from "./database.ts";

const row = (...values: Array<string | number | null>) => `${values.map((v) => v ?? "").join("\u001f")}\n`;

/** COPY through the storage seam (`copyRows`), run once per backend (copy-rows.test.ts, copy-rows.pg.test.ts). */
export function copyRowsSuite(backend: Backend): void {
  describe(`copyRows on ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    beforeAll(async () => {
      store = await testStore(backend, "copyrows");
      db = await store.open();
      await db.exec("CREATE TABLE copy_probe (id int PRIMARY KEY, t text, n bigint, made_at timestamptz DEFAULT now())");
    });
    afterAll(async () => {
      await store.cleanup();
    });
    const all = () => db.query<{ id: number; t: string | null; n: number | null }>("SELECT id, t, n FROM copy_probe ORDER BY id");

    it("loads values exactly as written, an empty field as NULL, defaults for columns left out", async () => {
      const awkward = ['{"say":"hi","path":"C:\\\\x","list":[1,2]}', 'quote " and \\N and \\. and ,;\t tab', "é😀\u2028"];
      await db.transaction((tx) =>
        tx.copyRows("copy_probe (id, t, n)", row(1, awkward[0] as string, 2 ** 40) + row(2, awkward[1] as string, null)),
      );
      // Outside a transaction too (PostgreSQL: a connection of its own from the pool).
      await db.copyRows("copy_probe (id, t, n)", row(3, awkward[2] as string, -7) + row(4, null, 0));
      expect(await all()).toEqual([
        { id: 1, t: awkward[0], n: 2 ** 40 },
        { id: 2, t: awkward[1], n: null },
        { id: 3, t: awkward[2], n: -7 },
        { id: 4, t: null, n: 0 },
      ]);
      const made = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM copy_probe WHERE made_at IS NOT NULL");
      expect(Number(made[0]?.n)).toBe(4);
    });

    it("fails a COPY that breaks a unique key as a unique violation, and a savepoint keeps the transaction going", async () => {
      const outcome = await db.transaction(async (tx) => {
        await tx.query("SAVEPOINT probe");
        const failure = await tx.copyRows("copy_probe (id, t)", row(10, "new") + row(1, "taken")).then(
          () => undefined,
          (error: unknown) => error,
        );
        await tx.query("ROLLBACK TO SAVEPOINT probe");
        await tx.copyRows("copy_probe (id, t)", row(11, "after"));
        return failure;
      });
      expect(isUniqueViolation(outcome)).toBe(true);
      // Nothing of the failed COPY stays (not even its first, valid row); what came after the savepoint does.
      expect((await all()).map((r) => r.id)).toEqual([1, 2, 3, 4, 11]);
    });

    it("does not take other failures for a unique violation", async () => {
      const failure = await db.copyRows("copy_probe (id, t)", row("not a number", "x")).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(isUniqueViolation(failure)).toBe(false);
    });
  });
}
