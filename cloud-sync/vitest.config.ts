import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files that hold a region to a time bound (a takeover within 5 s, a revocation within the
 * replication bound): they run after the rest, one at a time, with the machine to themselves.
 */
const TIMED = ["src/jobs/job-leader.pg.test.ts", "src/auth/credentials-across-regions*.test.ts"];

export default defineConfig({
  test: {
    // Suites start real processes (regions, the processor simulator) and PostgreSQL databases.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "cloud-sync",
          exclude: [...configDefaults.exclude, ...TIMED],
          // Two files at a time (vitest's default on 2 cores is one): most of a file's time is spent
          // waiting on a child process, PostgreSQL or a timer. Each file has its own databases (named
          // by pid and a random suffix), PGlite directories and ports, so files cannot meet.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "cloud-sync (timed)", include: TIMED, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
