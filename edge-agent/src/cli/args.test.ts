import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runAgentCommand } from "../testing/agent-process.ts";
import { AGENT_ENV, AGENT_USAGE, parseArgs, UsageError } from "./args.ts";

describe("the agent's command line", () => {
  it("watches its config file unless told --no-watch-config (then SIGHUP alone re-reads it)", () => {
    expect(parseArgs(["--config", "agent.json"])).toMatchObject({
      command: "start",
      configFile: "agent.json",
      watchConfig: true,
    });
    expect(parseArgs(["start", "--config=agent.json", "--no-watch-config"])).toMatchObject({ watchConfig: false });
    expect(() => parseArgs(["--config", "agent.json", "--no-watch"])).toThrow(UsageError);
  });

  it("reads every flag and command as before", () => {
    expect(parseArgs(["reset", "--config", "a.json", "--discard-unsynced"])).toEqual({
      command: "reset",
      configFile: "a.json",
      replaceUnsynced: false,
      discardUnsynced: true,
      watchConfig: true,
    });
    expect(parseArgs(["--replace-unsynced", "--config", "a.json"])).toMatchObject({ command: "start", replaceUnsynced: true });
    expect(parseArgs(["hash-pin"])).toMatchObject({ command: "hash-pin", configFile: "" });
    expect(() => parseArgs([])).toThrow(/--config FILE is required/);
  });

  it("ignores a leading -- (the npm habit: `pnpm start -- --config agent.json`)", () => {
    expect(parseArgs(["--", "--config", "agent.json"])).toMatchObject({ command: "start", configFile: "agent.json" });
    expect(parseArgs(["--", "reset", "--config", "a.json"])).toMatchObject({ command: "reset" });
  });

  it("refuses an unknown flag or argument with a one-line reason naming it, then the usage", () => {
    const error = (() => {
      try {
        parseArgs(["--config", "a.json", "--bogus"]);
      } catch (e) {
        return e as UsageError;
      }
      throw new Error("accepted --bogus");
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.reason).toBe("Unknown option '--bogus'");
    expect(error.reason).not.toContain("\n");
    expect(error.message).toContain(AGENT_USAGE);
    expect(() => parseArgs(["stat", "--config", "a.json"])).toThrow(/unknown argument stat/);
    expect(() => parseArgs(["--config"])).toThrow(UsageError);
  });

  it("--help and -h ask for the usage, which lists every flag, command and environment variable", () => {
    expect(parseArgs(["--help"]).command).toBe("help");
    expect(parseArgs(["-h"]).command).toBe("help");
    expect(parseArgs(["reset", "--config", "a.json", "-h"]).command).toBe("help");
    for (const flag of ["--config", "--replace-unsynced", "--discard-unsynced", "--no-watch-config", "--help", "-h"]) {
      expect(AGENT_USAGE).toContain(flag);
    }
    for (const command of ["start", "reset", "hash-pin"]) expect(AGENT_USAGE).toContain(command);
    // Every variable config.ts reads is listed (read from its source, so a new one cannot be forgotten).
    const configSource = readFileSync(new URL("../config/config.ts", import.meta.url), "utf8");
    const read = new Set(configSource.match(/"TENDERLINE_[A-Z_]+"/g)?.map((s) => s.slice(1, -1)));
    expect(read.size).toBeGreaterThan(5);
    expect(new Set(AGENT_ENV.map(([name]) => name))).toEqual(read);
    for (const name of read) expect(AGENT_USAGE).toContain(name);
  });
});

describe("tenderline-agent as a process", () => {
  it("--help prints the usage on stdout and exits 0; --bogus says why on stderr, exits 2, no stack trace", async () => {
    const help = await runAgentCommand(["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain(AGENT_USAGE);
    expect((await runAgentCommand(["-h"])).code).toBe(0);

    const bogus = await runAgentCommand(["--bogus"]);
    expect(bogus.code).toBe(2);
    expect(bogus.stdout).toBe("");
    expect(bogus.stderr).toContain("--bogus");
    expect(bogus.stderr).toContain("usage: tenderline-agent");
    expect(bogus.stderr).not.toMatch(/^ {4}at /m);

    const dashDash = await runAgentCommand(["--", "--help"]);
    expect(dashDash.code).toBe(0);
  });
});
