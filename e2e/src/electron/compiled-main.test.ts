/**
 * The compiled Electron main (edge-agent/dist/electron-main.js) started under plain Node, with a
 * stand-in for the `electron` module: it must start the agent from the compiled build (its sync
 * worker included, no tsx), open a locked-down window on the agent's cashier screen, and stop
 * cleanly when asked to quit.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "../../..");
const MAIN = join(repoRoot, "edge-agent", "dist", "electron-main.js");
const STAND_IN = join(import.meta.dirname, "stand-in", "register.mjs");

describe("the compiled Electron main, under plain Node with a stand-in for electron", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tl-electron-main-"));
    await new Promise<void>((done, fail) =>
      execFile(
        "pnpm",
        ["--filter", "@tenderline/edge-agent", "build"],
        { cwd: repoRoot, timeout: 120_000 },
        (error, _o, stderr) => (error ? fail(new Error(`build failed: ${stderr}`)) : done()),
      ),
    );
  }, 180_000);
  afterAll(() => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts the agent, opens the window on the cashier screen with Node kept out, and quits cleanly", async () => {
    writeFileSync(
      join(dir, "agent.json"),
      JSON.stringify({ storeId: "s-1", registerId: "r-1", dataDir: join(dir, "data"), port: 0, logLevel: "silent" }),
    );
    // No tsx anywhere: plain node, the compiled file, the stand-in's resolve hook.
    child = spawn(process.execPath, ["--import", STAND_IN, MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", STAND_IN_USER_DATA: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d;
    });
    const facts: Array<Record<string, unknown>> = [];
    const loaded = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no window opened:\n${JSON.stringify(facts)}\n${stderr}`)), 60_000);
      createInterface({ input: child?.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        if (!line.startsWith("{")) return;
        const fact = JSON.parse(line) as Record<string, unknown>;
        facts.push(fact);
        if (typeof fact.windowLoaded === "string") {
          clearTimeout(timer);
          done(fact.windowLoaded);
        }
        if (fact.errorBox) {
          clearTimeout(timer);
          fail(new Error(String(fact.errorBox)));
        }
      });
    });
    const options = facts.find((f) => f.windowOptions)?.windowOptions as Record<string, unknown>;
    expect(options).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(new URL(loaded).pathname).toBe("/cashier");
    const page = await fetch(loaded);
    expect(page.status).toBe(200);
    const script = await fetch(new URL("/screens/cashier.js", loaded));
    expect(await script.text()).not.toMatch(/^\s*import\s/m);

    const exited = new Promise<number | null>((done) => child?.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
