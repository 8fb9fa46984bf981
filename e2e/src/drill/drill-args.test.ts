import { describe, expect, it } from "vitest";
import { DRILL_USAGE, DrillArgsError, parseDrillArgs } from "./drill-args.ts";
import { DEFAULT_DRILL } from "./run-drill.ts";

const options = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = parseDrillArgs(argv, env);
  if (parsed.help) throw new Error("asked for help");
  return parsed.options;
};

describe("pnpm drill's flags", () => {
  it("defaults to DEFAULT_DRILL, with its data under TENDERLINE_DATA_DIR", () => {
    expect(options([])).toEqual({ ...DEFAULT_DRILL, databaseUrls: undefined });
    expect(options([], { TENDERLINE_DATA_DIR: "/tmp/tl" }).dataDir).toBe("/tmp/tl/drill");
  });

  it("reads every flag as before; --pg takes the databases from the environment", () => {
    const env = { DATABASE_URL_A: "postgres://a", DATABASE_URL_B: "postgres://b" };
    expect(
      options(
        [
          ...["--agents", "10", "--per-store", "2", "--duration", "30", "--rate", "1.5", "--warmup", "60"],
          ...["--seed", "7", "--out", "r", "--data-dir", "d", "--pg"],
        ],
        env,
      ),
    ).toMatchObject({
      agents: 10,
      registersPerStore: 2,
      durationSec: 30,
      rate: 1.5,
      warmupTimeoutSec: 60,
      seed: 7,
      outDir: "r",
      dataDir: "d",
      databaseUrls: { A: "postgres://a", B: "postgres://b" },
    });
  });

  it("--scenario picks failover (the default) or restore, and refuses any other", () => {
    expect(options([]).scenario).toBe("failover");
    expect(options(["--scenario", "failover"]).scenario).toBe("failover");
    expect(options(["--scenario", "restore", "--agents", "6"])).toMatchObject({ scenario: "restore", agents: 6 });
    expect(() => parseDrillArgs(["--scenario", "flood"], {})).toThrow(
      expect.objectContaining({ reason: "--scenario must be one of failover, restore, got flood" }),
    );
    expect(() => parseDrillArgs(["--scenario"], {})).toThrow(DrillArgsError);
  });

  it("ignores a leading -- (pnpm drill -- --agents 10)", () => {
    expect(options(["--", "--agents", "10"]).agents).toBe(10);
  });

  it("refuses an unknown flag or a bad value with a one-line reason naming it, then the usage", () => {
    const reason = (argv: string[]) => {
      try {
        parseDrillArgs(argv, {});
      } catch (error) {
        expect(error).toBeInstanceOf(DrillArgsError);
        expect((error as DrillArgsError).message).toContain(DRILL_USAGE);
        return (error as DrillArgsError).reason;
      }
      throw new Error(`accepted ${argv.join(" ")}`);
    };
    expect(reason(["--bogus"])).toBe("Unknown option '--bogus'");
    expect(reason(["--agents", "ten"])).toBe("--agents must be a positive number, got ten");
    expect(reason(["--agents"])).toContain("--agents");
    expect(reason(["10"])).toContain("'10'");
    expect(reason(["--", "--", "--agents", "10"])).not.toContain("\n");
  });

  it("--help and -h ask for the usage, which lists every flag and environment variable", () => {
    expect(parseDrillArgs(["--help"], {})).toEqual({ help: true });
    expect(parseDrillArgs(["--", "-h"], {})).toEqual({ help: true });
    for (const flag of [
      "--agents",
      "--per-store",
      "--duration",
      "--rate",
      "--warmup",
      "--seed",
      "--out",
      "--data-dir",
      "--pg",
      "--scenario",
      "restore",
      "-h",
    ]) {
      expect(DRILL_USAGE).toContain(flag);
    }
    for (const name of ["TENDERLINE_DATA_DIR", "DATABASE_URL_A", "DATABASE_URL_B"]) expect(DRILL_USAGE).toContain(name);
  });
});
