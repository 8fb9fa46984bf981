import { type StoredValueBalances, StoredValueBalancesSchema, type TenderEvent } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegionProcess, startRegionProcess } from "../server/region-process.ts";
import { CuttableProxy } from "../testing/cuttable-proxy.ts";
import { type RegionAs, regionAs } from "../testing/region-client.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { KEYS, newCard, svSale } from "./test-events.ts";

const TOKENS = {
  store: { s1: "tl_store_s1_sv_regions_0000000001" },
  admin: "tl_admin_sv_regions_000000000001",
  consumer: "tl_consumer_sv_regions_00000001",
  register: { r1: "tl_register_s1_r1_sv_regions_00001", r2: "tl_register_s1_r2_sv_regions_00001" },
  region: { A: "tl_region_A_sv_regions_000000001", B: "tl_region_B_sv_regions_000000001" },
};
const usd = (amount: number) => ({ amount, currency: "USD" });

/**
 * Two regions as real processes, the stored-value keys in their environment (never a flag): a card
 * redeemed online in full in both while they cannot talk (replication not run), then the heal:
 * the same balances from `GET /v1/stored-value/balances`, and the overdraft raised in both.
 */
export function storedValueProcessesSuite(backend: Backend): void {
  describe(`stored value across two region processes over ${backend}`, () => {
    let store: TestStore;
    const regions: Partial<Record<"A" | "B", RegionProcess>> = {};
    let A: RegionAs;
    let B: RegionAs;
    const card = newCard();

    const links: Record<"A" | "B", CuttableProxy> = {
      // links.A carries A's pulls from B; links.B carries B's pulls from A.
      A: new CuttableProxy(() => regions.B?.port ?? 1),
      B: new CuttableProxy(() => regions.A?.port ?? 1),
    };

    beforeAll(async () => {
      store = await testStore(backend, "sv_processes");
      await links.A.start();
      await links.B.start();
      for (const name of ["A", "B"] as const) {
        const other = name === "A" ? "B" : "A";
        regions[name] = await startRegionProcess({
          region: name,
          ...(await store.processStorage(name.toLowerCase())),
          bootstrapTokens: [
            { token: TOKENS.store.s1, kind: "store", storeId: "s1" },
            { token: TOKENS.admin, kind: "admin" },
            { token: TOKENS.consumer, kind: "consumer" },
            { token: TOKENS.register.r1, kind: "register", storeId: "s1", registerId: "r1" },
            { token: TOKENS.register.r2, kind: "register", storeId: "s1", registerId: "r2" },
            { token: TOKENS.region[other], kind: "region", regionName: other },
          ],
          peers: [{ name: other, url: links[name].url, token: TOKENS.region[name] }],
          // A secret: in the environment, never on the command line.
          storedValueKeys: KEYS,
          extraArgs: ["--background-jobs", "false", "--log-level", "warn"],
        });
      }
      A = regionAs((regions.A as RegionProcess).url, TOKENS);
      B = regionAs((regions.B as RegionProcess).url, TOKENS);
    });
    afterAll(async () => {
      await Promise.all([regions.A?.stop(), regions.B?.stop(), links.A.stop(), links.B.stop()]);
      await store?.cleanup();
    });

    const send = async (region: RegionAs, registerId: string, events: TenderEvent[]) => {
      const res = await region.store("s1").sendBatch({ storeId: "s1", registerId, events });
      expect(res.results.map((r) => r.status)).toEqual(events.map(() => "accepted"));
    };
    const hold = async (region: RegionAs, registerId: "r1" | "r2", holdId: string, amount: number) => {
      const res = await fetch(`${region.url}/v1/stored-value/holds`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKENS.register[registerId]}` },
        body: JSON.stringify({
          holdId,
          storeId: "s1",
          registerId,
          kind: "gift_card",
          sealed: card.sealed(),
          amount: usd(amount),
        }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const balances = async (region: RegionAs): Promise<StoredValueBalances> => {
      const res = await fetch(`${region.url}/v1/stored-value/balances`, {
        headers: { authorization: `Bearer ${TOKENS.consumer}` },
      });
      expect(res.status).toBe(200);
      return StoredValueBalancesSchema.parse(await res.json());
    };

    it("hold in both regions while apart, and report the same balances once replicated", async () => {
      // Activated at A, pulled by B while the link is up.
      const activate = svSale({ registerId: "r1", activate: [{ card, amount: 5000 }] });
      await send(A, "r1", [activate]);
      expect((await B.admin.replicate()).peers[0]).toMatchObject({ peer: "A", accepted: 1 });
      await A.admin.runJobs();
      await B.admin.runJobs();
      links.A.cut();
      links.B.cut();
      // Apart: each region holds the whole 4000 against the 5000 it knows.
      expect((await hold(A, "r1", "PA", 4000)).status).toBe(201);
      expect((await hold(B, "r2", "PB", 4000)).status).toBe(201);
      const refused = await hold(A, "r1", "PA2", 2000);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain("USD 10.00 left");
      await send(A, "r1", [
        svSale({ registerId: "r1", goods: 4000, tenders: [{ type: "gift_card", amount: 4000, card, online: { holdId: "PA" } }] }),
      ]);
      await send(B, "r2", [
        svSale({ registerId: "r2", goods: 4000, tenders: [{ type: "gift_card", amount: 4000, card, online: { holdId: "PB" } }] }),
      ]);
      await A.admin.runJobs();
      await B.admin.runJobs();
      // Each side alone sees one redemption: 1000 left, nothing overdrawn yet.
      for (const region of [A, B]) {
        expect((await balances(region)).accounts.find((x) => x.token === card.token)?.balance).toEqual(usd(1000));
        expect((await region.admin.exceptions({ kind: "stored_value_overdrawn" })).items).toEqual([]);
      }
      links.A.heal();
      links.B.heal();
      for (let round = 0; round < 2; round++) {
        await A.admin.replicate();
        await B.admin.replicate();
      }
      await A.admin.runJobs();
      await B.admin.runJobs();
      const [a, b] = [await balances(A), await balances(B)];
      expect(a.accounts).toEqual(b.accounts);
      expect(a.accounts.find((x) => x.token === card.token)?.balance).toEqual(usd(-3000));
      for (const region of [A, B]) {
        const overdrawn = (await region.admin.exceptions({ kind: "stored_value_overdrawn" })).items;
        expect(overdrawn).toHaveLength(1);
        expect(overdrawn[0]?.detail).toMatchObject({ last4: card.last4, balance: usd(-3000) });
        expect(overdrawn[0]?.detail.redemptions).toHaveLength(2);
        expect(JSON.stringify(overdrawn)).not.toContain(card.number);
      }
    });
  });
}
