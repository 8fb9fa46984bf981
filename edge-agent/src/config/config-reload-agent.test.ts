import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { QueueStatusSchema, SaleRecordedSchema } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentProcess, startAgentProcess, writeConfig } from "../testing/agent-process.ts";
import { type FakeRegion, startFakeRegion } from "../testing/fake-region.ts";
import { MANAGERS, sampleSale, tempDir } from "../testing/fixtures.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const OLD = "tl_store_revoked_token_0123456789abcdef";
const NEW = "tl_store_rotated_token_0123456789abcdef";

function agentConfig(region: FakeRegion, storeToken: string) {
  return {
    storeId: "store-1",
    registerId: "reg-1",
    dataDir: "data",
    port: 0,
    logLevel: "info",
    logFile: "agent.log",
    regions: [{ name: region.name, url: region.url }],
    storeToken,
    managers: [{ id: MANAGERS.dana.id, name: MANAGERS.dana.name, pinHash: MANAGERS.dana.pinHash }],
    sync: FAST_SYNC,
  };
}

async function sell(agent: AgentProcess, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${agent.url}/api/v1/sales`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sampleSale()),
    });
    expect(res.status).toBe(201);
    ids.push(SaleRecordedSchema.parse(await res.json()).eventId);
  }
  return ids;
}

async function queue(agent: AgentProcess) {
  const res = await fetch(`${agent.url}/api/v1/queue`);
  return QueueStatusSchema.parse(await res.json());
}

const waitForSyncState = (agent: AgentProcess, state: string) =>
  expect.poll(async () => (await queue(agent)).sync?.state, { timeout: 30_000, interval: 100 }).toBe(state);

const waitForAcked = (agent: AgentProcess, n: number) =>
  expect
    .poll(async () => (await queue(agent)).counts, { timeout: 30_000, interval: 100 })
    .toMatchObject({ pending: 0, acked: n });

const logOf = (dir: string) => (existsSync(join(dir, "agent.log")) ? readFileSync(join(dir, "agent.log"), "utf8") : "");

/** Each posted event reached the region exactly once; every batch it took bore the new credential. */
function expectDeliveredOnceWithNewCredential(region: FakeRegion, ids: readonly string[]): void {
  expect([...region.deliveries.keys()].sort()).toEqual([...ids].sort());
  expect([...region.deliveries.values()].every((n) => n === 1)).toBe(true);
  expect(region.refusedBatches()).toBeGreaterThan(0);
  expect(region.batchTokens.filter((t) => t !== OLD && t !== NEW)).toEqual([]);
  // Once the new credential is in use, the old one is not sent again.
  const firstNew = region.batchTokens.indexOf(NEW);
  expect(firstNew).toBeGreaterThan(0);
  expect(region.batchTokens.slice(firstNew).every((t) => t === NEW)).toBe(true);
}

describe("the agent process takes a new credential from its config file without a restart", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(extraArgs: string[] = []) {
    const dirs = tempDir("tl-live-credential-");
    cleanups.push(dirs.cleanup);
    const region = await startFakeRegion({ name: "A", acceptToken: NEW });
    cleanups.push(() => region.close());
    const configFile = writeConfig(dirs.dir, agentConfig(region, OLD));
    const agent = await startAgentProcess(configFile, extraArgs);
    cleanups.push(() => agent.kill("SIGKILL"));
    return { dir: dirs.dir, configFile, region, agent };
  }

  it("editing the file: the agent sees the change, resumes sync with the new credential, sends each event once", async () => {
    const { dir, region, agent } = await start();
    const ids = await sell(agent, 3);
    await waitForSyncState(agent, "credentials rejected");

    writeConfig(dir, agentConfig(region, NEW));
    await waitForAcked(agent, 3);
    ids.push(...(await sell(agent, 2)));
    await waitForAcked(agent, 5);

    expectDeliveredOnceWithNewCredential(region, ids);
    await agent.kill("SIGTERM");
    const log = logOf(dir);
    // Seen by the poll (or, for an edit in the first second, by the check that follows start-up): no SIGHUP was sent.
    expect(log).toMatch(/"trigger":"(file changed|start-up check)".*new credential \(storeToken\) taken/);
    expect(log).not.toContain("tl_store");
  });

  it("SIGHUP (file watch off): a broken file is refused with its reason, the fixed one is taken; the agent never stops", async () => {
    const { dir, configFile, region, agent } = await start(["--no-watch-config"]);
    const ids = await sell(agent, 3);
    await waitForSyncState(agent, "credentials rejected");

    // Half-saved: not JSON, with the new credential in it.
    writeFileSync(configFile, `{ "storeId": "store-1", "storeToken": ${NEW}`);
    agent.child.kill("SIGHUP");
    await expect
      .poll(() => logOf(dir), { timeout: 30_000, interval: 100 })
      .toMatch(/"trigger":"SIGHUP".*config file not applied/);
    expect((await queue(agent)).sync?.state).toBe("credentials rejected");

    writeConfig(dir, agentConfig(region, NEW));
    agent.child.kill("SIGHUP");
    await waitForAcked(agent, 3);
    ids.push(...(await sell(agent, 2)));
    await waitForAcked(agent, 5);

    expectDeliveredOnceWithNewCredential(region, ids);
    expect(agent.child.exitCode).toBeNull();
    await agent.kill("SIGTERM");
    const log = logOf(dir);
    expect(log).toMatch(/"trigger":"SIGHUP".*new credential \(storeToken\) taken/);
    expect(log).not.toContain("tl_store");
  });
});
