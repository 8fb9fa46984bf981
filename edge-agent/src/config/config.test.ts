import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MANAGERS, tempDir } from "../testing/fixtures.ts";
import { ConfigError, loadConfig, offlineCardLimit, parseConfig } from "./config.ts";

describe("agent config", () => {
  const dirs: Array<() => void> = [];
  afterEach(() => {
    for (const c of dirs.splice(0)) c();
  });
  function file(content: string): string {
    const { dir, cleanup } = tempDir("tl-config-");
    dirs.push(cleanup);
    const f = join(dir, "agent.json");
    writeFileSync(f, content);
    return f;
  }

  it("applies defaults: loopback on 7420, 90-day returns window", () => {
    const c = parseConfig({ storeId: "s", registerId: "r", dataDir: "/tmp/x" });
    expect(c).toMatchObject({ port: 7420, host: "127.0.0.1", returnsWindowDays: 90, regions: [] });
    expect(c.sync.batchMaxEvents).toBe(500);
    expect(c.sync.batchMaxBytes).toBe(1024 * 1024);
    expect(offlineCardLimit(c, "USD").perTender).toBeGreaterThan(0);
    expect(offlineCardLimit(c, "JPY")).toEqual(c.offlineCardLimits["*"]);
  });

  it("a bad config names every field to fix", () => {
    expect(() =>
      parseConfig({ storeId: "", registerId: "r", dataDir: "d", port: 70000, regions: [{ name: "A", url: "nope" }] }),
    ).toThrowError(ConfigError);
    try {
      parseConfig({
        storeId: "",
        registerId: "r",
        dataDir: "d",
        port: 70000,
        host: "0.0.0.0",
        regions: [{ name: "A", url: "nope" }],
      });
    } catch (error) {
      const msg = (error as Error).message;
      expect(msg).toContain("storeId");
      expect(msg).toContain("port");
      expect(msg).toContain("host");
      expect(msg).toContain("regions.0.url");
    }
  });

  it("loads a file, resolves dataDir next to it, and lets the environment override", () => {
    const f = file(
      JSON.stringify({
        storeId: "s1",
        registerId: "r1",
        dataDir: "data",
        regions: [{ name: "A", url: "http://127.0.0.1:7431" }],
      }),
    );
    const c = loadConfig(f, {
      TENDERLINE_REGISTER_ID: "r9",
      TENDERLINE_PORT: "7555",
      TENDERLINE_REGIONS: JSON.stringify([{ name: "B", url: "http://127.0.0.1:7432" }]),
    });
    expect(c.registerId).toBe("r9");
    expect(c.port).toBe(7555);
    expect(c.regions).toEqual([{ name: "B", url: "http://127.0.0.1:7432" }]);
    expect(c.dataDir).toBe(join(f, "..", "data"));
  });

  it("refuses unreadable, non-JSON and invalid files with the reason", () => {
    expect(() => loadConfig("/nonexistent/agent.json", {})).toThrowError(/cannot read config file/);
    expect(() => loadConfig(file("{oops"), {})).toThrowError(/not valid JSON/);
    expect(() => loadConfig(file("[]"), {})).toThrowError(/must hold a JSON object/);
    expect(() => loadConfig(file(JSON.stringify({ storeId: "s", dataDir: "d" })), {})).toThrowError(/registerId/);
    expect(() =>
      loadConfig(file(JSON.stringify({ storeId: "s", registerId: "r", dataDir: "d" })), { TENDERLINE_PORT: "abc" }),
    ).toThrowError(/TENDERLINE_PORT/);
  });

  it("stops start-up on override codes, saying how to move to managers", () => {
    expect(() => parseConfig({ storeId: "s", registerId: "r", dataDir: "/tmp/x", overrideCodes: ["1234"] })).toThrow(
      /overrideCodes are no longer supported: configure managers instead.*tenderline-agent hash-pin/,
    );
  });

  it("takes managers with scrypt PIN hashes only, never a PIN, and unique ids", () => {
    const base = { storeId: "s", registerId: "r", dataDir: "/tmp/x" };
    expect(() => parseConfig({ ...base, managers: [{ id: "m-1", name: "Dana", pinHash: "246810" }] })).toThrow(
      /managers\.0\.pinHash: pinHash must be a scrypt hash made by `tenderline-agent hash-pin`, never the PIN itself/,
    );
    const manager = { id: "m-1", name: "Dana", pinHash: MANAGERS.dana.pinHash };
    expect(parseConfig({ ...base, managers: [manager] }).managers).toEqual([manager]);
    expect(() => parseConfig({ ...base, managers: [manager, manager] })).toThrow(/manager ids must be unique/);
    expect(parseConfig(base).managerAuth).toEqual({ sessionMinutes: 5, maxFailures: 5, lockoutMinutes: 15 });
  });
});
