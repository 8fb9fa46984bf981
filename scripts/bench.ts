/**
 * `pnpm bench [PACKAGE …]` (`--help`: usage): runs every package's (or the named packages') benchmark one after another (they would distort each other
 * if run together on two cores) and writes one results file, bench-results/results.json, with the
 * machine it ran on. Each package's `bench` script writes its figures as JSON to $BENCH_OUT.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, type as osType, release, totalmem } from "node:os";
import { join, resolve } from "node:path";

import { benchUsage, parseBenchArgs, ScriptArgsError } from "./script-args.ts";

const root = resolve(import.meta.dirname, "..");
const outDir = join(root, "bench-results");

const packages = ["edge-agent", "cloud-sync", "e2e"].filter((dir) => {
  const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  return Boolean(manifest.scripts?.bench);
});
let args: ReturnType<typeof parseBenchArgs>;
try {
  args = parseBenchArgs(process.argv.slice(2), packages);
} catch (error) {
  if (!(error instanceof ScriptArgsError)) throw error;
  console.error(`bench: ${error.message}`);
  process.exit(2);
}
if (args.help) {
  console.log(benchUsage(packages));
  process.exit(0);
}
const selected = args.packages;
mkdirSync(outDir, { recursive: true });

// Other work on the machine moves every figure: the load average is recorded with the results.
const loadBefore = loadavg()[0];
const results: Record<string, unknown> = {};
let failed = false;
for (const dir of selected) {
  const benchOut = join(outDir, `${dir}.json`);
  console.log(`\n=== bench: ${dir} ===`);
  const run = spawnSync("pnpm", ["--dir", dir, "run", "bench"], {
    stdio: "inherit",
    env: { ...process.env, BENCH_OUT: benchOut },
  });
  if (run.status !== 0) {
    console.error(`bench: ${dir} failed with exit code ${run.status}`);
    failed = true;
    continue;
  }
  results[dir] = existsSync(benchOut) ? JSON.parse(readFileSync(benchOut, "utf8")) : { note: "the benchmark wrote no figures" };
}

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  os: `${osType()} ${release()}`,
  node: process.version,
  loadAverage1m: { before: loadBefore, after: loadavg()[0] },
};
const file = join(outDir, "results.json");
writeFileSync(file, `${JSON.stringify({ ranAt: new Date().toISOString(), machine, results }, null, 2)}\n`);
console.log(`\nbench: results written to ${file}`);
process.exit(failed ? 1 : 0);
