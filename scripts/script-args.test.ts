import { describe, expect, it } from "vitest";
import {
  benchUsage,
  checkStartEnvironment,
  parseBenchArgs,
  parseStartArgs,
  ScriptArgsError,
  START_USAGE,
} from "./script-args.ts";

const PACKAGES = ["edge-agent", "cloud-sync", "e2e"];
const reason = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScriptArgsError);
    return (error as ScriptArgsError).reason;
  }
  throw new Error("accepted");
};

describe("pnpm bench's arguments", () => {
  it("benches every package by default, or the named ones in their order; a leading -- is ignored", () => {
    expect(parseBenchArgs([], PACKAGES)).toEqual({ help: false, packages: PACKAGES });
    expect(parseBenchArgs(["--", "e2e", "edge-agent"], PACKAGES)).toEqual({ help: false, packages: ["edge-agent", "e2e"] });
  });

  it("refuses an unknown flag or package, naming it in one line, the usage after it", () => {
    expect(reason(() => parseBenchArgs(["--bogus"], PACKAGES))).toBe("Unknown option '--bogus'");
    expect(reason(() => parseBenchArgs(["shared"], PACKAGES))).toMatch(/^no benchmark for shared; packages: edge-agent/);
    expect(() => parseBenchArgs(["--bogus"], PACKAGES)).toThrow(benchUsage(PACKAGES));
  });

  it("--help and -h ask for the usage, which names every package", () => {
    expect(parseBenchArgs(["--help"], PACKAGES)).toEqual({ help: true });
    expect(parseBenchArgs(["--", "-h"], PACKAGES)).toEqual({ help: true });
    for (const word of [...PACKAGES, "--help", "-h"]) expect(benchUsage(PACKAGES)).toContain(word);
  });
});

describe("pnpm start's arguments", () => {
  it("takes --help / -h, --instances N (and a leading --) and nothing else", () => {
    expect(parseStartArgs([])).toEqual({ help: false, instances: 1 });
    expect(parseStartArgs(["--"])).toEqual({ help: false, instances: 1 });
    expect(parseStartArgs(["-h"])).toEqual({ help: true, instances: 1 });
    expect(parseStartArgs(["--", "--help"])).toEqual({ help: true, instances: 1 });
    expect(parseStartArgs(["--instances", "2"])).toEqual({ help: false, instances: 2 });
    expect(parseStartArgs(["--", "--instances=3"])).toEqual({ help: false, instances: 3 });
    expect(reason(() => parseStartArgs(["--bogus"]))).toBe("Unknown option '--bogus'");
    expect(reason(() => parseStartArgs(["x"]))).toContain("'x'");
  });

  it("refuses an --instances that is not a whole number from 1 to 16", () => {
    for (const bad of ["0", "-1", "1.5", "two", "17", ""]) {
      expect(reason(() => parseStartArgs([`--instances=${bad}`]))).toMatch(/^--instances must be a whole number from 1 to 16/);
    }
    expect(reason(() => parseStartArgs(["--instances"]))).toContain("--instances");
  });

  it("runs several instances only with both regions on PostgreSQL, naming what is missing", () => {
    const pg = { DATABASE_URL_A: "postgres://db/a", DATABASE_URL_B: "postgres://db/b" };
    expect(() => checkStartEnvironment({ help: false, instances: 1 }, {})).not.toThrow();
    expect(() => checkStartEnvironment({ help: false, instances: 2 }, pg)).not.toThrow();
    expect(reason(() => checkStartEnvironment({ help: false, instances: 2 }, {}))).toMatch(
      /^--instances 2 needs both regions on PostgreSQL: set DATABASE_URL_A and DATABASE_URL_B/,
    );
    expect(reason(() => checkStartEnvironment({ help: false, instances: 2 }, { ...pg, DATABASE_URL_B: "" }))).toMatch(
      /set DATABASE_URL_B \(/,
    );
  });

  it("its usage lists every environment variable start.ts reads", async () => {
    const { readFileSync } = await import("node:fs");
    const source = readFileSync(new URL("./start.ts", import.meta.url), "utf8");
    const read = new Set([...source.matchAll(/process\.env(?:\.([A-Z_]+)|\[name\])/g)].map((m) => m[1]).filter(Boolean));
    const ports = [...source.matchAll(/port\("([A-Z_]+)"/g)].map((m) => m[1]);
    for (const name of [...read, ...ports]) expect(START_USAGE).toContain(name);
    expect(ports.length).toBe(4);
  });
});
