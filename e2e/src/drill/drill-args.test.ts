import { describe, expect, it } from "vitest";
import {
  DRILL_USAGE,
  DrillArgsError,
  FLEET_DEFAULT_DURATION,
  FLEET_DEFAULT_RATE,
  FLEET_DEFAULT_WARMUP,
  parseDrillArgs,
  REGISTERS_PER_FLEET_PROCESS,
} from "./drill-args.ts";
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

  it("--fleet N hosts N registers in fleet processes, at a fleet's pace, with two instances per region on --pg", () => {
    const fleet = options(["--fleet", "2000", "--pg"]);
    expect(fleet).toMatchObject({
      agents: 2000,
      fleet: { processes: Math.ceil(2000 / REGISTERS_PER_FLEET_PROCESS) },
      rate: FLEET_DEFAULT_RATE,
      durationSec: FLEET_DEFAULT_DURATION,
      warmupTimeoutSec: FLEET_DEFAULT_WARMUP,
      instancesPerRegion: 2,
      pg: true,
    });
    expect(options(["--fleet", "40", "--fleet-processes", "2", "--rate", "0.5"])).toMatchObject({
      agents: 40,
      fleet: { processes: 2 },
      rate: 0.5,
      instancesPerRegion: 1,
      pg: false,
    });
    expect(options(["--instances", "3", "--pg"])).toMatchObject({ instancesPerRegion: 3, agents: DEFAULT_DRILL.agents });
    expect(options([]).fleet).toBeUndefined();
  });

  it("refuses fleet and instance flags that cannot work together, saying what to change", () => {
    const reason = (argv: string[]) => {
      try {
        parseDrillArgs(argv, {});
      } catch (error) {
        return (error as DrillArgsError).reason;
      }
      throw new Error(`accepted ${argv.join(" ")}`);
    };
    expect(reason(["--fleet", "100", "--agents", "10"])).toBe("--fleet N sets the number of registers: leave out --agents");
    expect(reason(["--fleet-processes", "2"])).toBe("--fleet-processes needs --fleet N");
    expect(reason(["--fleet", "1"])).toContain("at least 2 registers");
    expect(reason(["--fleet", "1.5"])).toBe("--fleet must be a whole number of at least 1, got 1.5");
    expect(reason(["--instances", "2"])).toContain("needs --pg");
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
      "--fleet",
      "--fleet-processes",
      "--instances",
      "-h",
    ]) {
      expect(DRILL_USAGE).toContain(flag);
    }
    for (const name of ["TENDERLINE_DATA_DIR", "DATABASE_URL_A", "DATABASE_URL_B", "TENDERLINE_TEST_PG_URL"])
      expect(DRILL_USAGE).toContain(name);
  });
});
