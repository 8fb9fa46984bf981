import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CredentialListSchema,
  type IssuedCredential,
  IssuedCredentialSchema,
  QueueStatusSchema,
  RegionClient,
  RotatedCredentialSchema,
  SaleRecordedSchema,
} from "@tenderline/shared";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { FAST_SYNC } from "../browser/stack.ts";
import { tokenCommand } from "../chain/credentials.ts";
import { api, Chain, ENTRIES } from "../chain/index.ts";
import { createTestDatabase } from "../chain/test-postgres.ts";
import { countIds } from "../drill/history-checker.ts";
import { readWholeFeed } from "../drill/region-reader.ts";

const STORE = "store-cred";
const REGISTER = "reg-07";
const usd = (amount: number) => ({ amount, currency: "USD" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe("register credentials on two PostgreSQL regions (the simulator, one agent)", () => {
  let dataDir: string;
  let chain: Chain;
  const databases: Array<{ drop(): Promise<void> }> = [];
  let sold = 0;

  const agentUrl = () => chain.agents.get(REGISTER)?.url as string;
  const configFile = () => join(dataDir, "agents", REGISTER, "agent.json");
  const cli = async (args: string[]) =>
    tokenCommand(ENTRIES.region, args, {
      TENDERLINE_REGION_URL: chain.regionUrl("A"),
      TENDERLINE_ADMIN_CREDENTIAL: chain.tokens.admin,
    });
  /** What a support engineer does: put the new credential in the register's config file (the agent watches it). */
  const giveAgent = (credential: string) => {
    const config = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(configFile(), "utf8")));
    writeFileSync(`${configFile()}.tmp`, JSON.stringify({ ...config, storeToken: credential }, null, 2));
    renameSync(`${configFile()}.tmp`, configFile());
  };
  const sell = () =>
    api(`${agentUrl()}/api/v1/sales`, SaleRecordedSchema, {
      method: "POST",
      headers: { "idempotency-key": randomUUID() },
      json: {
        cashierId: "c-1",
        lines: [{ sku: "SKU-1", description: "Mug", quantity: 1, unitPrice: usd(1250), tax: usd(100) }],
        tenders: [{ type: "cash", amount: usd(1350), tendered: usd(2000) }],
      },
    }).then(() => {
      sold++;
    });
  const drained = () =>
    until("the agent's outbox to drain", async () => {
      const q = await api(`${agentUrl()}/api/v1/queue`, QueueStatusSchema);
      return q.counts.pending === 0 ? true : undefined;
    });
  const recorded = () => {
    const db = new Database(join(dataDir, "agents", REGISTER, "outbox.db"), { readonly: true });
    const ids = (db.prepare("SELECT event_id FROM outbox").all() as Array<{ event_id: string }>).map((r) => r.event_id);
    db.close();
    return ids;
  };
  /** Every recorded event in both regions exactly once: the drill's lost and duplicated counts. */
  async function countsInBothRegions(): Promise<Record<string, { lost: number; duplicated: number; extra: number }>> {
    const ids = recorded();
    const out: Record<string, { lost: number; duplicated: number; extra: number }> = {};
    for (const region of ["A", "B"]) {
      const counts = await until(`region ${region} to hold every event`, async () => {
        const feed = await readWholeFeed(chain.regionUrl(region), chain.tokens.consumer);
        const c = countIds(feed.filter((i) => i.event?.registerId === REGISTER).map((i) => i.event?.eventId as string));
        return ids.every((id) => c.has(id)) ? c : undefined;
      });
      out[region] = {
        lost: ids.filter((id) => !counts.has(id)).length,
        duplicated: [...counts.values()].filter((n) => n > 1).length,
        extra: [...counts.keys()].filter((id) => !ids.includes(id)).length,
      };
    }
    return out;
  }
  const refusedAt = async (region: string, credential: string) =>
    (await fetch(`${chain.regionUrl(region)}/v1/digest`, { headers: { authorization: `Bearer ${credential}` } })).status;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "tl-e2e-credentials-"));
    const [a, b] = await Promise.all([createTestDatabase("cred_a"), createTestDatabase("cred_b")]);
    databases.push(a, b);
    chain = new Chain({
      dataDir,
      databaseUrls: { A: a.url, B: b.url },
      stores: [{ storeId: STORE, registers: [REGISTER] }],
      agentConfig: { sync: FAST_SYNC },
      regionArgs: ["--replication-interval-ms", "300"],
      logLevel: "warn",
    });
    await chain.start();
  }, 180_000);
  afterAll(async () => {
    await chain?.stop();
    for (const db of databases) await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let current: IssuedCredential;

  it("a credential made with the CLI against region A only carries the register through A's death: every event in both regions once", async () => {
    current = IssuedCredentialSchema.parse(
      JSON.parse(await cli(["create", "--json", "--kind", "register", "--store-id", STORE, "--register-id", REGISTER])),
    );
    giveAgent(current.credential);
    for (let i = 0; i < 10; i++) await sell();
    await drained();
    // The chain's own credential for this register goes: only the CLI's can carry what follows.
    const list = CredentialListSchema.parse(JSON.parse(await cli(["list", "--json", "--register-id", REGISTER])));
    const previous = list.items.filter((r) => r.kind === "register" && r.id !== current.record.id);
    expect(previous.length).toBe(1);
    await cli(["revoke", previous[0]?.id as string]);

    await chain.regions.get("A")?.kill();
    for (let i = 0; i < 10; i++) await sell();
    await drained();
    // B took them with a credential it had never seen issued (A issued it and is dead).
    const atB = await new RegionClient(chain.regionUrl("B"), chain.tokens.admin).registerStatus(STORE, REGISTER);
    expect(atB?.contiguousSeq).toBeGreaterThanOrEqual(20);

    await chain.startRegion("A");
    const counts = await countsInBothRegions();
    expect(recorded().length).toBe(sold);
    expect(counts).toEqual({ A: { lost: 0, duplicated: 0, extra: 0 }, B: { lost: 0, duplicated: 0, extra: 0 } });
  }, 180_000);

  it("rotation under load: the agent switches credentials while selling, nothing is lost or sent twice, the old one ends everywhere", async () => {
    let selling = true;
    const loop = (async () => {
      while (selling) {
        await sell();
        await sleep(50);
      }
    })();
    await sleep(1000);
    const rotated = RotatedCredentialSchema.parse(
      JSON.parse(await cli(["rotate", current.record.id, "--overlap", "3", "--json"])),
    );
    giveAgent(rotated.credential);
    // Past the overlap, with sales still going: every batch from here on must use the new credential.
    await sleep(5000);
    selling = false;
    await loop;
    await drained();
    expect(await refusedAt("A", current.credential)).toBe(401);
    expect(
      await until(
        "B to refuse the replaced credential",
        async () => ((await refusedAt("B", current.credential)) === 401 ? true : undefined),
        10_000,
      ),
    ).toBe(true);
    expect(await refusedAt("B", rotated.credential)).toBe(200);
    const counts = await countsInBothRegions();
    expect(recorded().length).toBe(sold);
    expect(counts).toEqual({ A: { lost: 0, duplicated: 0, extra: 0 }, B: { lost: 0, duplicated: 0, extra: 0 } });
    // The queue's counts name dead letters `dead` (there was never a `deadLetter` count to read).
    const queue = await api(`${agentUrl()}/api/v1/queue`, QueueStatusSchema);
    expect(queue.counts.dead).toBe(0);
  }, 180_000);
});
