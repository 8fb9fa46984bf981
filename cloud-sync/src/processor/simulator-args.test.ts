import { describe, expect, it } from "vitest";
import { DEFAULT_SIMULATOR_PORT, parseSimulatorArgs, SimulatorArgsError } from "./simulator-args.ts";

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
});
