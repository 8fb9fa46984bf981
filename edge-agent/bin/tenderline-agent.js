#!/usr/bin/env node
// The installed command runs the compiled build (`pnpm build` writes dist/); it needs no tsx.
// In development, run the sources instead: node --import tsx edge-agent/src/main.ts
import { existsSync } from "node:fs";

const compiled = new URL("../dist/main.js", import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write("tenderline-agent: not built yet; run `pnpm build` first (or node --import tsx edge-agent/src/main.ts)\n");
  process.exit(1);
}
await import(compiled.href);
