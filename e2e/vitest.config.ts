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

/**
 * Files that must have the machine to themselves: the short drill checks failover time among its
 * checks, and the two builds write the same dist/. One at a time, after the rest.
 */
const ALONE = ["src/drill/drill.test.ts", "src/deploy/production-deploy.test.ts", "src/electron/compiled-main.test.ts"];

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
          exclude: [...configDefaults.exclude, ...LIGHT, ...ALONE],
          // Each file runs its own chain (regions, a simulator, an agent, Chromium) on ports and
          // databases of its own; none holds anything to a time bound: two at a time.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e (alone)",
          include: ALONE,
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
