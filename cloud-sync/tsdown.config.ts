import { defineConfig } from "tsdown";

/**
 * The region (and the processor simulator) as JavaScript that runs with plain node: entries and
 * the ingest worker bundled flat into dist/, the SQL migrations copied beside them (migrate.ts
 * reads ./migrations/ next to itself). Our own packages are bundled in, with shared's own npm
 * dependencies (uuid, undici); other npm dependencies stay external and come from node_modules.
 */
export default defineConfig({
  entry: {
    main: "src/main.ts",
    "simulator-main": "src/processor/simulator-main.ts",
    "classify-worker": "src/ingest/classify-worker.ts",
  },
  outDir: "dist",
  format: "esm",
  platform: "node",
  target: "node20",
  fixedExtension: false,
  dts: false,
  clean: true,
  deps: { alwaysBundle: [/^@tenderline\//, "uuid", "undici"], onlyBundle: [/^@tenderline\//, "uuid", "undici"] },
  copy: [{ from: "src/storage/migrations/*.sql", to: "dist/migrations" }],
});
