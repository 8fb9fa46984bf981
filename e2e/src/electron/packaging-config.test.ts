/**
 * electron-builder cannot run here (no Electron binary), so its configuration is checked instead:
 * it must pack the compiled build, start the compiled main, keep the native addon loadable, pin
 * the Electron the agent is developed against, and give the .deb the libraries Chromium needs.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const agentDir = resolve(import.meta.dirname, "../../../edge-agent");
const config = createRequire(import.meta.url)(join(agentDir, "electron-builder.config.cjs")) as {
  electronVersion: string;
  files: string[];
  extraMetadata: { main: string };
  asarUnpack: string[];
  npmRebuild: boolean;
  deb: { depends: string[] };
};
const pkg = JSON.parse(readFileSync(join(agentDir, "package.json"), "utf8")) as {
  main: string;
  files: string[];
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

describe("the desktop app's packaging configuration", () => {
  it("packs the compiled build and starts its compiled main, not TypeScript through a loader", () => {
    expect(config.extraMetadata.main).toBe("dist/electron-main.js");
    expect(pkg.main).toBe(config.extraMetadata.main);
    expect(config.files).toContain("dist/**");
    expect(config.files.some((f) => f.startsWith("src"))).toBe(false);
    expect(Object.keys(pkg.dependencies)).not.toContain("tsx");
    expect(pkg.files).toContain("electron-builder.config.cjs");
  });

  it("rebuilds better-sqlite3 for Electron at packaging time and keeps it outside the asar archive", () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain("**/node_modules/better-sqlite3/**");
    expect(config.electronVersion).toBe(pkg.devDependencies.electron);
  });

  it("gives the .deb the runtime libraries Electron's Chromium needs", () => {
    for (const lib of ["libgtk-3-0", "libnss3", "libgbm1", "libxss1", "libasound2"]) {
      expect(config.deb.depends.some((d) => d.split(" | ").some((alt) => alt.startsWith(lib)))).toBe(true);
    }
  });
});
