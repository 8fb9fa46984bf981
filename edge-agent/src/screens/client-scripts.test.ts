import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { buildClientScripts, loadClientScripts } from "./client-scripts.ts";

const MODULE_SYNTAX = /^\s*(import|export)\b/m;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tl-client-scripts-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A classic script: it parses as one, with no module syntax and nothing of the server side (zod, the shared package) bundled in. */
function expectClassicScript(text: string): void {
  expect(() => new Script(text)).not.toThrow();
  expect(text).not.toMatch(MODULE_SYNTAX);
  expect(text).not.toContain("zod");
  expect(text).not.toContain("@tenderline/shared");
  expect(text.length).toBeLessThan(60_000);
}

describe("buildClientScripts", () => {
  it("writes cashier.js and manager.js, each a self-contained classic script", async () => {
    const out = join(tempDir(), "screens");
    await buildClientScripts(out);
    const cashier = readFileSync(join(out, "cashier.js"), "utf8");
    const manager = readFileSync(join(out, "manager.js"), "utf8");
    expectClassicScript(cashier);
    expectClassicScript(manager);
    // Each screen's own wiring, and not the other's.
    expect(cashier).toContain("/screens/api/checkout");
    expect(cashier).not.toContain("/screens/manager/panel");
    expect(manager).toContain("/screens/manager/panel");
    expect(manager).not.toContain("/screens/api/checkout");
  });
});

describe("loadClientScripts", () => {
  it("prefers prebuilt files when they are there", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "cashier.js"), "/* prebuilt cashier */");
    writeFileSync(join(dir, "manager.js"), "/* prebuilt manager */");
    expect(await loadClientScripts({ prebuiltDir: dir })).toEqual({
      cashier: "/* prebuilt cashier */",
      manager: "/* prebuilt manager */",
    });
  });

  it("bundles the sources in memory without prebuilt files, the same as the build writes, and caches them", async () => {
    const empty = tempDir();
    const loaded = await loadClientScripts({ prebuiltDir: empty });
    expectClassicScript(loaded.cashier);
    expectClassicScript(loaded.manager);
    const out = tempDir();
    await buildClientScripts(out);
    expect(loaded.cashier).toBe(readFileSync(join(out, "cashier.js"), "utf8"));
    expect(loaded.manager).toBe(readFileSync(join(out, "manager.js"), "utf8"));
    expect(await loadClientScripts({ prebuiltDir: empty })).toBe(loaded);
  });

  it("finds no prebuilt scripts beside the sources, so development serves the current code", async () => {
    const loaded = await loadClientScripts();
    expectClassicScript(loaded.cashier);
    expect(loaded.cashier).toContain("/screens/api/checkout");
  });
});
