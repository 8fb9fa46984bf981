import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FleetQueuesSchema } from "@tenderline/shared";
import { ServiceProcess } from "@tenderline/shared/process";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeRegion } from "../testing/fake-region.ts";
import { sampleSale, tempDir } from "../testing/fixtures.ts";
import { FAST_SYNC } from "../testing/sync-settings.ts";

const FLEET_MAIN = fileURLToPath(new URL("./fleet-main.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

describe("fleet-main: the fleet as a process", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("prints the agent's listening line, serves the registers its file lists (their files, not the environment), exits 0 on SIGTERM", async () => {
    const { dir, cleanup } = tempDir("tl-fleet-main-");
    cleanups.push(cleanup);
    const ids = ["reg-a", "reg-b"];
    const tokenOf = (id: string) => `tl_store_fleet_main_${id}_0123456789abcdef`;
    const region = await startFakeRegion({ name: "A", registerTokens: Object.fromEntries(ids.map((id) => [id, tokenOf(id)])) });
    cleanups.push(() => region.close());
    mkdirSync(join(dir, "agents"));
    for (const id of ids) {
      writeFileSync(
        join(dir, "agents", `${id}.json`),
        JSON.stringify({
          storeId: "store-1",
          registerId: id,
          dataDir: `../data/${id}`,
          storeToken: tokenOf(id),
          regions: [{ name: "A", url: region.url }],
          sync: FAST_SYNC,
        }),
      );
    }
    // Paths relative to FLEET.json.
    writeFileSync(
      join(dir, "fleet.json"),
      JSON.stringify({ agents: ids.map((id) => `agents/${id}.json`), logFile: "fleet.log" }),
    );
    const fleet = await ServiceProcess.start({
      name: "fleet",
      script: FLEET_MAIN,
      args: ["--config", join(dir, "fleet.json")],
      cwd: PACKAGE_DIR,
      // An agent's overrides would make both registers one: a fleet does not apply them.
      env: { TENDERLINE_REGISTER_ID: "reg-env", TENDERLINE_STORE_TOKEN: "tl_store_from_env_0123456789abcdef" },
      startTimeoutMs: 60_000,
    });
    cleanups.push(() => fleet.stop("SIGKILL"));
    expect(fleet.output()).toContain(`{"listening":"http://127.0.0.1:${fleet.port}","port":${fleet.port}}`);

    for (const id of ids) {
      const res = await fetch(`${fleet.url}/r/${id}/api/v1/sales`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(sampleSale()),
      });
      expect(res.status, id).toBe(201);
    }
    await expect
      .poll(
        async () => {
          const queues = FleetQueuesSchema.parse(await (await fetch(`${fleet.url}/fleet/queues`)).json());
          return Object.entries(queues.registers).map(([id, q]) => [id, q.counts.acked]);
        },
        { timeout: 20_000, interval: 100 },
      )
      .toEqual([
        ["reg-a", 1],
        ["reg-b", 1],
      ]);
    expect(new Set(region.batches.map((b) => [b.registerId, b.token].join(" ")))).toEqual(
      new Set(ids.map((id) => `${id} ${tokenOf(id)}`)),
    );

    await fleet.stop("SIGTERM");
    expect(fleet.child?.exitCode).toBe(0);
    // One log for the fleet, FLEET.json's; it names the overrides it did not apply, never a credential.
    const log = readFileSync(join(dir, "fleet.log"), "utf8");
    expect(log).toContain('"msg":"fleet listening"');
    expect(log).toContain("TENDERLINE_STORE_TOKEN");
    for (const secret of [...ids.map(tokenOf), "tl_store_from_env_0123456789abcdef"]) expect(log).not.toContain(secret);
  });
});
