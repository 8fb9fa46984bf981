import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TOKEN_USAGE } from "../cli/token-cli.ts";
import { regionFlagsUsage } from "../config/config.ts";
import { regionProcessSuite } from "./region-process.suite.ts";

regionProcessSuite("pglite");

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const run = promisify(execFile);
const node = (args: string[]) =>
  run(process.execPath, ["--import", "tsx", MAIN, ...args], {
    timeout: 20_000,
    env: { ...process.env, TENDERLINE_REGION: "" },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code,
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }),
  );

describe("the region's command line, as a process", () => {
  it("--help / -h print the serve flags and the token commands on stdout and exit 0", async () => {
    const [help, short, dashDash, token] = await Promise.all([
      node(["--help"]),
      node(["-h"]),
      node(["--", "--help"]),
      node(["token", "--help"]),
    ]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toContain(regionFlagsUsage());
    expect(help.stdout).toContain(TOKEN_USAGE);
    expect(short).toMatchObject({ code: 0, stdout: help.stdout });
    expect(dashDash).toMatchObject({ code: 0, stdout: help.stdout });
    expect(token).toMatchObject({ code: 0, stdout: `${TOKEN_USAGE}\n` });
  });

  it("an unknown flag or a secret flag: the reason and the usage on stderr, exit 2, no stack trace", async () => {
    const [bogus, secret, badToken] = await Promise.all([
      node(["--", "--bogus"]),
      node(["--database-url", "postgres://u:secret@h/db"]),
      node(["token", "list", "--bogus"]),
    ]);
    for (const result of [bogus, secret, badToken]) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).not.toMatch(/^ {4}at /m);
    }
    expect(bogus.stderr.split("\n")[0]).toContain("'--bogus'");
    expect(bogus.stderr).toContain(regionFlagsUsage());
    expect(secret.stderr).toContain("would put a secret on the command line");
    expect(badToken.stderr).toContain("'--bogus'");
    expect(badToken.stderr).toContain(TOKEN_USAGE);
  });
});
