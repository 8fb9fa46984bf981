import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueStatusSchema, RegionClient, SaleRecordedSchema } from "@tenderline/shared";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_SYNC } from "../browser/stack.ts";
import { acceptedCount, readRegister, readWholeFeed } from "../drill/region-reader.ts";
import { api, Chain, ChainOptionsError, instanceServerName } from "./chain.ts";
import { createTestDatabase } from "./test-postgres.ts";
import { until } from "./until.ts";

const STORE = "store-lb";
const REGISTER = "reg-lb";
const usd = (amount: number) => ({ amount, currency: "USD" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a region as two instances behind HAProxy (two PostgreSQL regions, one register)", () => {
  let dataDir: string;
  let chain: Chain;
  const databases: Array<{ drop(): Promise<void> }> = [];

  const agentUrl = () => chain.agents.get(REGISTER)?.url as string;
  const sell = () =>
    api(`${agentUrl()}/api/v1/sales`, SaleRecordedSchema, {
      method: "POST",
      headers: { "idempotency-key": randomUUID() },
      json: {
        cashierId: "c-1",
        lines: [{ sku: "SKU-1", description: "Mug", quantity: 1, unitPrice: usd(1250), tax: usd(100) }],
        tenders: [{ type: "cash", amount: usd(1350), tendered: usd(2000) }],
      },
    });
  /** Every event the register recorded, from its outbox. */
  const recorded = () => {
    const db = new Database(join(dataDir, "agents", REGISTER, "outbox.db"), { readonly: true });
    try {
      return (db.prepare("SELECT event_id FROM outbox").all() as Array<{ event_id: string }>).map((r) => r.event_id);
    } finally {
      db.close();
    }
  };
  /** Which background jobs each instance of a region leads, asked of each instance directly. */
  const leadsOf = (region: string) =>
    Promise.all(
      chain.regionInstances(region).map(async (p) => {
        if (!p.running) return [];
        return (await new RegionClient(p.url, chain.tokens.admin, { timeoutMs: 2000 }).operatorHealth()).leads ?? [];
      }),
    );

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "tl-e2e-instances-"));
    const [a, b] = await Promise.all([createTestDatabase("lb_a"), createTestDatabase("lb_b")]);
    databases.push(a, b);
    chain = new Chain({
      dataDir,
      databaseUrls: { A: a.url, B: b.url },
      instancesPerRegion: 2,
      stores: [{ storeId: STORE, registers: [REGISTER] }],
      // Fast probes and breakers, but the default-like timeouts: on a loaded 2-core machine, FAST_SYNC's
      // 500 ms probe would send the register to B for the machine's load, not an instance's death.
      agentConfig: { sync: { ...FAST_SYNC, requestTimeoutMs: 10_000, probeTimeoutMs: 2000 } },
      regionArgs: ["--replication-interval-ms", "300", "--reconcile-interval-ms", "300"],
      logLevel: "warn",
    });
    // Both instances of each region start at once on one fresh database: migrations take turns.
    await chain.start();
  }, 120_000);
  afterAll(async () => {
    await chain?.stop();
    for (const db of databases) await db.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses several instances of a PGlite region", () => {
    expect(() => new Chain({ dataDir: tmpdir(), instancesPerRegion: 2, stores: [] })).toThrow(ChainOptionsError);
    expect(() => new Chain({ dataDir: tmpdir(), instancesPerRegion: 2, stores: [] })).toThrow(/region A has no PostgreSQL/);
  });

  it("agents and peers know the balancer's URL only", () => {
    const balancer = chain.balancers.get("A");
    expect(chain.regionUrl("A")).toBe(balancer?.url);
    const instancePorts = chain.regionInstances("A").map((p) => p.port);
    expect(instancePorts).toHaveLength(2);
    expect(instancePorts).not.toContain(balancer?.options.port);
  });

  it("one instance of A SIGKILLed while the register sells: every sale still reaches A, A's jobs move to the other instance, it comes back UP", async () => {
    const sales: string[] = [];
    let selling = true;
    const cashier = (async () => {
      while (selling) {
        sales.push((await sell()).transactionId);
        await sleep(100);
      }
    })();
    try {
      // The instance that leads A's background jobs is the one to kill: the other must take them.
      const leads = await until("an instance of A to lead its background jobs", async () => {
        const l = await leadsOf("A");
        return l.some((jobs) => jobs.includes("region-jobs")) ? l : undefined;
      });
      const victim = leads.findIndex((jobs) => jobs.includes("region-jobs"));
      const survivor = 1 - victim;
      await until("a few sales on A", async () => sales.length >= 10);

      await chain.killInstance("A", victim);
      // Out of rotation after two failed checks (inter 500 ms × fall 2); the wait is generous, as
      // these machines are noisy: how fast is the drill's to measure, not this test's.
      const down = await chain.balancers.get("A")?.waitFor(instanceServerName(victim), "DOWN", 10_000);
      expect(down?.state).toBe("DOWN");
      const soldBeforeKill = sales.length;

      // Leadership moves within seconds (the killed session's locks are freed by the server).
      await until(
        "the surviving instance to lead A's jobs",
        async () => {
          const jobs = (await leadsOf("A"))[survivor] ?? [];
          return jobs.includes("region-jobs") && jobs.includes("replicator");
        },
        10_000,
      );
      // A sale made after the kill reaches A's ledger: only the region-jobs leader indexes it.
      await until("sales after the kill", async () => sales.length >= soldBeforeKill + 5);
      const afterKill = sales[soldBeforeKill + 2] as string;
      const register = new RegionClient(chain.regionUrl("A"), chain.tokens.registers[REGISTER] ?? "", { timeoutMs: 5000 });
      await until("A's ledger to hold a sale made after the kill", () => register.returnOriginal(afterKill), 15_000);

      await chain.startInstance("A", victim);
      const view = await chain.balancerView("A");
      expect(view.servers.map((s) => [s.name, s.state])).toEqual([
        [instanceServerName(0), "UP"],
        [instanceServerName(1), "UP"],
      ]);
      await sleep(1500);
    } finally {
      selling = false;
      await cashier;
    }

    const q = await until("the agent's outbox to drain", async () => {
      const status = await api(`${agentUrl()}/api/v1/queue`, QueueStatusSchema);
      return status.counts.pending === 0 ? status : undefined;
    });
    expect(q.lastSeq).toBeGreaterThanOrEqual(sales.length);
    const ids = recorded();
    expect(ids.length).toBe(q.lastSeq);

    // Every event reached A, none was taken by B: A's register view is complete …
    expect(await readRegister(chain.regionUrl("A"), chain.tokens.admin, STORE, REGISTER)).toMatchObject({
      contiguousSeq: q.lastSeq,
      gaps: [],
    });
    // … and B holds all of it by replication from A (B pulls through A's balancer), none its own.
    await until("B to replicate every event", async () => {
      const atB = await readRegister(chain.regionUrl("B"), chain.tokens.admin, STORE, REGISTER);
      return atB.contiguousSeq === q.lastSeq;
    });
    const feedB = (await readWholeFeed(chain.regionUrl("B"), chain.tokens.consumer)).filter(
      (i) => i.event?.registerId === REGISTER,
    );
    expect(new Set(feedB.map((i) => i.event?.eventId))).toEqual(new Set(ids));
    expect(feedB.filter((i) => i.originRegion !== "A")).toEqual([]);
    // B's instances never restarted: their ingest counters cover the whole test.
    const acceptedByB = await Promise.all(chain.regionInstances("B").map((p) => acceptedCount(p.url, chain.tokens.admin)));
    expect(acceptedByB).toEqual([0, 0]);

    // The balancer spread A's traffic over both instances.
    const view = await chain.balancerView("A");
    for (const server of view.servers) expect(server.requests).toBeGreaterThan(0);
  });
});
