import { describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "./args.ts";

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
});
