import { describe, expect, it } from "vitest";
import { benchUsage, parseBenchArgs, parseStartArgs, ScriptArgsError, START_USAGE } from "./script-args.ts";

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
  it("takes --help / -h (and a leading --) and nothing else", () => {
    expect(parseStartArgs([])).toEqual({ help: false });
    expect(parseStartArgs(["--"])).toEqual({ help: false });
    expect(parseStartArgs(["-h"])).toEqual({ help: true });
    expect(parseStartArgs(["--", "--help"])).toEqual({ help: true });
    expect(reason(() => parseStartArgs(["--bogus"]))).toBe("Unknown option '--bogus'");
    expect(reason(() => parseStartArgs(["x"]))).toContain("'x'");
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
