import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files that start no process, no browser and no build (the drill's checkers and report, the
 * packaging config, the load balancer's config): two at a time, before the rest.
 */
const LIGHT = [
  "src/drill/drill-args.test.ts",
  "src/drill/failover-time.test.ts",
  "src/drill/feed-consumer.test.ts",
  "src/drill/history-checker.test.ts",
  "src/drill/html-report.test.ts",
  "src/drill/refund-checks.test.ts",
  "src/drill/warmup.test.ts",
  "src/electron/packaging-config.test.ts",
  "src/chain/load-balancer.test.ts",
];

export default defineConfig({
  test: {
    // Real processes, PGlite regions and a browser: slow by nature, never timed.
    testTimeout: 240_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: { name: "e2e (light)", include: LIGHT, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["src/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...LIGHT],
          // Each file runs a whole chain (two regions, a simulator, an agent, Chromium) or a build
          // (two builds write the same dist/), and some hold a failover to a time bound: one at a
          // time on 2 cores.
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
