import { verifyPin } from "@tenderline/shared";
import { describe, expect, it } from "vitest";
import { runAgentCommand } from "../testing/agent-process.ts";
import { parseArgs, UsageError } from "./args.ts";

describe("tenderline-agent hash-pin", () => {
  it("reads the PIN from standard input and prints a hash the agent accepts for it", async () => {
    const { code, stdout, stderr } = await runAgentCommand(["hash-pin"], "864213\n");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const hash = stdout.trim();
    expect(hash).not.toContain("864213");
    expect(await verifyPin("864213", hash)).toBe(true);
    expect(await verifyPin("864214", hash)).toBe(false);
  });

  it("refuses a PIN that is too short, and never takes one on the command line", async () => {
    const short = await runAgentCommand(["hash-pin"], "1234\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("6 to 64 characters");
    expect(() => parseArgs(["hash-pin", "246810"])).toThrow(UsageError);
    expect(() => parseArgs(["hash-pin", "--config", "agent.json"])).toThrow(/reads the PIN from standard input/);
  });
});
