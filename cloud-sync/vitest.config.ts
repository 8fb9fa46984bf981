import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Suites start real processes (regions, the processor simulator) and PostgreSQL databases.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
