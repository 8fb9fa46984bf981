import { StoredValueBalancesSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listExceptions } from "../exceptions/exception-store.ts";
import { applyPage } from "../replication/apply-page.ts";
import { readLogPage } from "../replication/log-page.ts";
import type { Database } from "../storage/database.ts";
import { openDatabase } from "../storage/open-database.ts";
import { seedTestTokens, TOKENS } from "../testing/test-app.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { holdStoredValue } from "./holds.ts";
import { readBalance } from "./ledger-reads.ts";
import { clock, storedValueApp } from "./stored-value.suite.ts";
import { indexStoredValue } from "./stored-value-indexer.ts";
import { newCard, recordSv, resolver, svRefund, svSale, svTenderId } from "./test-events.ts";

const REGIONS = ["A", "B"] as const;
const usd = (amount: number) => ({ amount, currency: "USD" });

/** One replication pull, page by page, as the replicator does it (without the HTTP between). */
async function pull(from: Database, fromName: string, to: Database, toName: string): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await readLogPage(from, fromName, toName, after, 200);
    if (page.nextCursor === after) return;
    await applyPage(to, fromName, page);
    after = page.nextCursor;
  }
}

/**
 * Two regions, each with its own database: a card activated before a partition, redeemed online in
 * both during it (each region's hold sees only its own side), loaded and refunded; after the heal
 * both hold the same entries and report the same balances, and both raise the overdraft.
 */
export function storedValueRegionsSuite(backend: Backend): void {
  describe(`stored value in two regions over ${backend}`, () => {
    let store: TestStore;
    let a: Database;
    let b: Database;
    const time = clock();
    beforeAll(async () => {
      store = await testStore(backend, "sv_regions");
      a = await store.open();
      const other = await store.processStorage("b");
      b = await openDatabase(
        "databaseUrl" in other ? { databaseUrl: other.databaseUrl, poolSize: 3 } : { dataDir: other.dataDir },
      );
      await seedTestTokens(a);
      await seedTestTokens(b);
    });
    afterAll(async () => {
      await b?.close();
      await store?.cleanup();
    });

    const heal = async () => {
      await pull(a, "A", b, "B");
      await pull(b, "B", a, "A");
      for (const db of [a, b]) await recordSv(db, [], db === a ? "A" : "B", REGIONS);
    };

    it("converge on the same balances after a partition heals, and both raise the overdraft", async () => {
      const card = newCard();
      const other = newCard();
      const credit = newCard("store_credit");
      await recordSv(
        a,
        [
          svSale({
            registerId: "r1",
            activate: [
              { card, amount: 5000 },
              { card: other, amount: 800 },
            ],
          }),
        ],
        "A",
        REGIONS,
      );
      await heal();
      expect((await readBalance(b, card.token, time.now()))?.balance).toEqual(usd(5000));

      // Partitioned: each region holds the whole 4000 against the 5000 it knows.
      const hold = (db: Database, holdId: string, registerId: string) =>
        holdStoredValue(
          db,
          { holdId, storeId: "s1", registerId, kind: "gift_card", sealed: card.sealed(), amount: usd(4000) },
          { resolve: resolver, now: time.now },
        );
      expect((await hold(a, "HA", "r1")).status).toBe(201);
      expect((await hold(b, "HB", "r2")).status).toBe(201);
      const saleA = svSale({
        registerId: "r1",
        goods: 4000,
        tenders: [{ type: "gift_card", amount: 4000, card, online: { holdId: "HA" } }],
      });
      const saleB = svSale({
        registerId: "r2",
        goods: 4000,
        tenders: [{ type: "gift_card", amount: 4000, card, online: { holdId: "HB" } }],
      });
      const spend = svSale({ registerId: "r2", goods: 500, tenders: [{ type: "gift_card", amount: 500, card: other }] });
      await recordSv(a, [saleA], "A", REGIONS);
      await recordSv(
        b,
        [saleB, spend, svSale({ registerId: "r2", activate: [{ card: other, amount: 300, action: "load" }] })],
        "B",
        REGIONS,
      );
      await recordSv(
        a,
        [
          svRefund({
            registerId: "r1",
            originalTransactionId: (spend.payload as { transactionId: string }).transactionId,
            tenderId: svTenderId(spend),
            tenderType: "gift_card",
            amount: 200,
          }),
        ],
        "A",
        REGIONS,
      );
      await recordSv(b, [], "B", REGIONS);
      expect((await readBalance(a, card.token, time.now()))?.balance).toEqual(usd(1000));
      expect((await readBalance(b, card.token, time.now()))?.balance).toEqual(usd(1000));

      await heal();
      // The same event delivered again in either region changes nothing.
      await recordSv(a, [saleB], "A", REGIONS);
      await indexStoredValue(b, resolver);

      const balances = await Promise.all(
        [a, b].map(async (db, i) => {
          const res = await storedValueApp(db, time.now, REGIONS[i]).call("GET", "/v1/stored-value/balances", TOKENS.admin);
          expect(res.status).toBe(200);
          return StoredValueBalancesSchema.parse(res.body);
        }),
      );
      expect(balances[0]?.region).toBe("A");
      expect(balances[0]?.accounts).toEqual(balances[1]?.accounts);
      const mine = (balances[0]?.accounts ?? []).filter((x) => [card.token, other.token, credit.token].includes(x.token));
      expect(mine.map((x) => [x.token, x.balance.amount]).sort()).toEqual(
        [
          [card.token, -3000],
          [other.token, 800 - 500 + 300 + 200],
        ].sort(),
      );
      for (const db of [a, b]) {
        const [overdrawn] = (await listExceptions(db, { kind: "stored_value_overdrawn", limit: 100 })).filter(
          (x) => x.subject === card.token,
        );
        const named = ((overdrawn?.detail.redemptions ?? []) as Array<{ eventId: string; online: boolean }>).map((r) => [
          r.eventId,
          r.online,
        ]);
        expect(named.sort()).toEqual(
          [
            [saleA.eventId, true],
            [saleB.eventId, true],
          ].sort(),
        );
      }
    });
  });
}
