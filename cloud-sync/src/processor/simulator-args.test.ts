import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_SIMULATOR_PORT, parseSimulatorArgs, SIMULATOR_USAGE, SimulatorArgsError } from "./simulator-args.ts";

const MAIN = fileURLToPath(new URL("./simulator-main.ts", import.meta.url));
const run = promisify(execFile);

describe("simulator flags", () => {
  it("defaults to port 7440 on loopback, records only, no file", () => {
    expect(parseSimulatorArgs([])).toEqual({ port: DEFAULT_SIMULATOR_PORT, host: "127.0.0.1", autoApprove: false });
    expect(DEFAULT_SIMULATOR_PORT).toBe(7440);
  });

  it("reads every flag, port 0 included", () => {
    expect(parseSimulatorArgs(["--port", "0", "--auto-approve", "--data", "/tmp/s.json", "--host", "::1"])).toEqual({
      port: 0,
      host: "::1",
      autoApprove: true,
      dataFile: "/tmp/s.json",
    });
  });

  it("refuses unknown flags and bad ports, saying how to call it", () => {
    expect(() => parseSimulatorArgs(["--prot", "1"])).toThrow(SimulatorArgsError);
    expect(() => parseSimulatorArgs(["--port", "70000"])).toThrow(/--port must be an integer 0..65535/);
    expect(() => parseSimulatorArgs(["--port", "-1"])).toThrow(/usage:/);
    expect(() => parseSimulatorArgs(["--port", "abc"])).toThrow(/"abc"/);
  });

  it("names the unknown flag in a one-line reason", () => {
    try {
      parseSimulatorArgs(["--bogus"]);
      expect.unreachable("accepted --bogus");
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorArgsError);
      expect((error as SimulatorArgsError).reason).toMatch(/'--bogus'$/);
      expect((error as SimulatorArgsError).message).toContain(SIMULATOR_USAGE);
    }
  });

  it("ignores a leading -- (the npm habit)", () => {
    expect(parseSimulatorArgs(["--", "--port", "0"])).toMatchObject({ port: 0 });
  });

  it("--help and -h ask for the usage, which lists every flag", () => {
    expect(parseSimulatorArgs(["--help"]).help).toBe(true);
    expect(parseSimulatorArgs(["-h"]).help).toBe(true);
    for (const flag of ["--port", "--host", "--auto-approve", "--data", "--help", "-h"]) expect(SIMULATOR_USAGE).toContain(flag);
  });
});

describe("the simulator as a process", () => {
  const node = (args: string[]) =>
    run(process.execPath, ["--import", "tsx", MAIN, ...args], { timeout: 20_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code,
        stdout: error.stdout ?? "",
        stderr: error.stderr ?? "",
      }),
    );

  it("--help prints the usage on stdout and exits 0; --bogus says why on stderr and exits 2, no stack trace", async () => {
    const [help, short, bogus] = await Promise.all([node(["--help"]), node(["--", "-h"]), node(["--bogus"])]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain(SIMULATOR_USAGE);
    expect(short.code).toBe(0);
    expect(bogus.code).toBe(2);
    expect(bogus.stdout).toBe("");
    expect(bogus.stderr).toContain("'--bogus'");
    expect(bogus.stderr).toContain("usage: simulator-main.ts");
    expect(bogus.stderr).not.toMatch(/^ {4}at /m);
  });
});
