import { defineConfig } from "tsdown";

/**
 * The agent as JavaScript that runs with plain node (or Electron): every entry and worker thread
 * bundled flat into dist/, so a worker's module is always beside the code that starts it
 * (siblingModule in @tenderline/shared/threads). Our own packages, whose exports are TypeScript,
 * are bundled in, with the two npm packages they use (uuid, undici: shared's own dependencies, not
 * the agent's); every other npm dependency stays external and comes from node_modules.
 */
export default defineConfig({
  entry: {
    main: "src/main.ts",
    "sync-worker": "src/sync/sync-worker.ts",
    "checkpoint-worker": "src/storage/checkpoint-worker.ts",
    "electron-main": "electron/main.ts",
  },
  outDir: "dist",
  format: "esm",
  platform: "node",
  target: "node20",
  fixedExtension: false,
  dts: false,
  clean: true,
  deps: {
    alwaysBundle: [/^@tenderline\//, "uuid", "undici"],
    onlyBundle: [/^@tenderline\//, "uuid", "undici"],
    neverBundle: ["electron"],
  },
  copy: [{ from: "electron/preload.cjs" }],
});
