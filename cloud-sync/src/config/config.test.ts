import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { generateStoredValueKeys } from "@tenderline/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, RegionConfigSchema, regionFlagsUsage } from "./config.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "tl-region-config-"));
  dirs.push(dir);
  const file = join(dir, "region.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("loadConfig", () => {
  it("takes flags over environment variables and defaults the PGlite directory per region", () => {
    const c = loadConfig(["--port", "0"], { TENDERLINE_REGION: "eu-west", TENDERLINE_PORT: "7431" });
    expect(c).toMatchObject({ region: "eu-west", port: 0, dataDir: ".tenderline/regions/eu-west/pgdata", peers: [] });
    expect(loadConfig(["--region", "A"], { DATABASE_URL: "postgres://x@h/db" }).dataDir).toBeUndefined();
  });

  it("parses batches on one worker thread when the machine has a core to spare, unless told otherwise", () => {
    expect(loadConfig(["--region", "A"], {}).ingestWorkers).toBe(availableParallelism() > 1 ? 1 : 0);
    expect(loadConfig(["--region", "A", "--ingest-workers", "0"], {}).ingestWorkers).toBe(0);
    expect(loadConfig(["--region", "A"], { TENDERLINE_INGEST_WORKERS: "3" }).ingestWorkers).toBe(3);
  });

  it("names the field to fix", () => {
    expect(() => loadConfig(["--region", "A", "--port", "-1"], {})).toThrow(/port/);
    expect(() => loadConfig([], {})).toThrow(/region/);
    expect(() => loadConfig(["--region", "A"], { TENDERLINE_PEERS: "[{" })).toThrow(/peers must be JSON/);
    expect(() => loadConfig(["--region", "A"], { TENDERLINE_BOOTSTRAP_TOKENS: '[{"token":"short","kind":"store"}]' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(["--region", "A", "--nope", "1"], {})).toThrow(/--nope|nope/);
  });

  it("never takes a secret on the command line, saying where to put it", () => {
    for (const [flag, value] of [
      ["--database-url", "postgres://u:secret@h/db"],
      ["--bootstrap-tokens", "[]"],
      ["--peers", "[]"],
    ]) {
      expect(() => loadConfig(["--region", "A", flag as string, value as string], {})).toThrow(
        /would put a secret on the command line.*--config file.*environment/,
      );
    }
  });

  it("reads the config file as JSON values, the environment and flags over it, and names a bad field", () => {
    const file = configFile({
      region: "B",
      port: 7432,
      databaseUrl: "postgres://tenderline:secret@db/tenderline",
      peers: [{ name: "A", url: "http://127.0.0.1:7431", token: "tl_region_abcdefghijklmnop" }],
      bootstrapTokens: [{ token: "tl_admin_abcdefghijklmnop", kind: "admin" }],
      backgroundJobs: false,
    });
    const c = loadConfig(["--config", file, "--port", "0"], { TENDERLINE_LOG_LEVEL: "warn" });
    expect(c).toMatchObject({
      region: "B",
      port: 0,
      databaseUrl: "postgres://tenderline:secret@db/tenderline",
      logLevel: "warn",
      backgroundJobs: false,
    });
    expect(c.peers).toEqual([{ name: "A", url: "http://127.0.0.1:7431", token: "tl_region_abcdefghijklmnop" }]);
    expect(c.bootstrapTokens).toEqual([{ token: "tl_admin_abcdefghijklmnop", kind: "admin" }]);
    expect(loadConfig([], { TENDERLINE_REGION_CONFIG: file }).region).toBe("B");
    expect(() => loadConfig(["--config", configFile({ region: "B", prot: 1 })], {})).toThrow(/unknown fields: prot/);
    expect(() => loadConfig(["--config", configFile({ region: "B", port: "x" })], {})).toThrow(/port/);
    expect(() => loadConfig(["--config", configFile("{ nope")], {})).toThrow(/cannot read the region config file/);
    expect(() => loadConfig(["--config", join(tmpdir(), "no-such-region.json")], {})).toThrow(/cannot read/);
  });

  it("takes the stored-value keys from the environment or the config file as JSON, never as a flag", () => {
    const keys = generateStoredValueKeys();
    expect(loadConfig(["--region", "A"], { TENDERLINE_STORED_VALUE_KEYS: JSON.stringify(keys) }).storedValueKeys).toEqual(keys);
    expect(loadConfig(["--region", "A", "--config", configFile({ storedValueKeys: keys })], {}).storedValueKeys).toEqual(keys);
    expect(loadConfig(["--region", "A"], {}).storedValueKeys).toBeUndefined();
    let error: unknown;
    try {
      loadConfig(["--region", "A", "--stored-value-keys", JSON.stringify(keys)], {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/TENDERLINE_STORED_VALUE_KEYS/);
    // A refusal never repeats the secret.
    expect((error as Error).message).not.toContain(keys.tokenKey);
    expect(() =>
      loadConfig(["--region", "A"], { TENDERLINE_STORED_VALUE_KEYS: JSON.stringify({ ...keys, tokenKey: "short" }) }),
    ).toThrow(/tokenKey/);
  });

  it("ignores a leading -- (the npm habit) and names an unknown flag in one line", () => {
    expect(loadConfig(["--", "--region", "A", "--port", "0"], {})).toMatchObject({ region: "A", port: 0 });
    try {
      loadConfig(["--region", "A", "--bogus", "1"], {});
      expect.unreachable("accepted --bogus");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain("'--bogus'");
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("--help lists every config field with its environment variable, and every flag it lists is taken", () => {
    const usage = regionFlagsUsage();
    for (const field of Object.keys(RegionConfigSchema.shape)) expect(usage).toMatch(new RegExp(`\\s${field}(,|$)`, "m"));
    for (const line of usage.split("\n").filter((l) => l.startsWith("  --") || l.includes("no flag"))) {
      expect(line).toMatch(/\s(TENDERLINE_[A-Z_]+|DATABASE_URL)\s/);
    }
    const flags = [...usage.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1] as string);
    expect(flags.length).toBeGreaterThan(15);
    for (const flag of flags) {
      // A listed flag is never refused as unknown (a bad value for it is another matter).
      expect(() => loadConfig(["--region", "A", flag, "x"], {})).not.toThrow(/Unknown option/);
    }
    // Secrets are listed by their environment variable, never as a flag.
    expect(usage).toContain("DATABASE_URL");
    expect(flags).not.toContain("--database-url");
    expect(usage).toMatch(/TENDERLINE_PORT/);
  });
});
