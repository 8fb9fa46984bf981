import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createAgent } from "../agent.ts";
import { runAgentCommand, writeConfig } from "../testing/agent-process.ts";
import { sampleSale, tempDir, testConfig } from "../testing/fixtures.ts";
import { UnsyncedDataError } from "./data-dir.ts";

const silent = pino({ level: "silent" });

describe("a data directory with unsynced events is never taken over silently", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  async function withPending(dir: string, count: number) {
    const agent = createAgent(testConfig(dir), { logger: silent });
    for (let i = 0; i < count; i++) agent.service.recordSale(JSON.parse(JSON.stringify(sampleSale())));
    await agent.close();
  }

  it("restarting the same register keeps its pending events and continues the seq", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await withPending(dir, 2);
    const agent = createAgent(testConfig(dir), { logger: silent });
    expect(agent.service.recordSale(sampleSale()).body.seq).toBe(3);
    await agent.close();
  });

  it("another register refuses to start on it, unless told, and then archives (never deletes) the events", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await withPending(dir, 2);
    expect(() => createAgent(testConfig(dir, { registerId: "reg-2" }), { logger: silent })).toThrowError(UnsyncedDataError);
    expect(() => createAgent(testConfig(dir, { registerId: "reg-2" }), { logger: silent })).toThrowError(/2 event\(s\)/);

    const agent = createAgent(testConfig(dir, { registerId: "reg-2", replaceUnsynced: true }), { logger: silent });
    expect(agent.service.recordSale(sampleSale()).body.seq).toBe(1);
    await agent.close();
    const archive = readdirSync(dir).find((f) => f.startsWith("archive-"));
    expect(archive).toBeDefined();
    expect(existsSync(join(dir, archive as string, "outbox.db"))).toBe(true);
  });

  it("the CLI refuses to start or reset with unsynced events and says how to proceed", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await withPending(dir, 1);
    const config = writeConfig(dir, { storeId: "store-9", registerId: "reg-1", dataDir: ".", port: 0, logLevel: "silent" });
    const start = await runAgentCommand(["--config", config]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/1 event\(s\) no cloud region has acknowledged.*--replace-unsynced/);

    const reset = await runAgentCommand(["reset", "--config", config]);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toMatch(/refusing to reset/);
    expect(existsSync(join(dir, "outbox.db"))).toBe(true);

    const forced = await runAgentCommand(["reset", "--config", config, "--discard-unsynced"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/archived to/);
    expect(existsSync(join(dir, "outbox.db"))).toBe(false);
  });

  it("the CLI names the config field at fault", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const config = writeConfig(dir, { storeId: "s", registerId: "r", dataDir: ".", port: "seven" });
    const res = await runAgentCommand(["--config", config]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/invalid agent config: port/);
  });
});
