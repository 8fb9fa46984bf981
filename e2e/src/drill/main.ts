/**
 * `pnpm drill [--agents 20] [--duration 60] [--rate 2] [--warmup 120] [--out drill-report] [--pg]`: runs the
 * region-outage drill, prints the checks and figures, writes report.json and report.html, and
 * exits non-zero when any check fails. --pg uses DATABASE_URL_A / DATABASE_URL_B.
 */
import { parseArgs } from "node:util";
import { DEFAULT_DRILL, runDrill } from "./run-drill.ts";

const { values } = parseArgs({
  options: {
    agents: { type: "string" },
    "per-store": { type: "string" },
    duration: { type: "string" },
    rate: { type: "string" },
    warmup: { type: "string" },
    out: { type: "string" },
    "data-dir": { type: "string" },
    seed: { type: "string" },
    pg: { type: "boolean" },
  },
});
const int = (v: string | undefined, fallback: number, name: string) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`drill: --${name} must be a positive number, got ${v}`);
    process.exit(2);
  }
  return n;
};
const options = {
  ...DEFAULT_DRILL,
  agents: int(values.agents, DEFAULT_DRILL.agents, "agents"),
  registersPerStore: int(values["per-store"], DEFAULT_DRILL.registersPerStore, "per-store"),
  durationSec: int(values.duration, DEFAULT_DRILL.durationSec, "duration"),
  rate: int(values.rate, DEFAULT_DRILL.rate, "rate"),
  warmupTimeoutSec: int(values.warmup, DEFAULT_DRILL.warmupTimeoutSec, "warmup"),
  outDir: values.out ?? DEFAULT_DRILL.outDir,
  dataDir: values["data-dir"] ?? `${process.env.TENDERLINE_DATA_DIR ?? ".tenderline"}/drill`,
  seed: int(values.seed, DEFAULT_DRILL.seed, "seed"),
  databaseUrls: values.pg ? { A: process.env.DATABASE_URL_A, B: process.env.DATABASE_URL_B } : undefined,
  progress: (line: string) => process.stdout.write(line),
};
const report = await runDrill(options);
console.log("\n");
console.table(report.checks.map((c) => ({ check: c.name, result: c.passed ? "PASS" : "FAIL", detail: c.detail })));
const f = report.figures;
console.table({
  "answered 201": f.acked,
  "unanswered, resolved": f.unknown,
  refused: f.refused,
  "events lost": f.eventsLost,
  "duplicates seen by a consumer": f.duplicatesSeenByConsumer,
  "failover p50 (s)": f.failoverP50Sec,
  "failover max (s)": f.failoverMaxSec,
  "kill to first ack elsewhere, max (s)": f.firstAckElsewhereMaxSec,
  "drain after link restored (s)": f.drainAfterRestoreSec,
  "throughput (events/s)": f.throughputEventsPerSec,
});
console.log(`report: ${options.outDir}/report.json and ${options.outDir}/report.html`);
process.exit(report.passed ? 0 : 1);
