import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Chain } from "./chain.ts";

describe("Chain", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("keeps every agent's outbox under its data directory, also when that is given as a relative path", () => {
    const dir = mkdtempSync(join(tmpdir(), "tl-chain-"));
    dirs.push(dir);
    const chain = new Chain({ dataDir: relative(process.cwd(), dir), stores: [{ storeId: "s1", registers: ["r1"] }] });
    const config = JSON.parse(readFileSync(chain.agentConfigFile("s1", "r1"), "utf8")) as { dataDir: string; logFile: string };
    // The drill's checker opens <dataDir>/agents/<register>/outbox.db: the agent must write exactly there.
    expect(config.dataDir).toBe(resolve(dir, "agents", "r1"));
    expect(config.logFile).toBe(resolve(dir, "agents", "r1", "agent.log"));
  });
});
