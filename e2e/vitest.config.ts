import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Real processes, PGlite regions and a browser: slow by nature, never timed.
    testTimeout: 240_000,
    hookTimeout: 180_000,
    // Each file runs a whole chain (two regions, a simulator, an agent, Chromium): one at a time on 2 cores.
    fileParallelism: false,
  },
});
