/**
 * Prints bench-results/results.json as the Markdown the README's performance section quotes:
 * `node --import tsx scripts/bench-summary.ts [results.json]`.
 */
import { readFileSync } from "node:fs";

import { BenchFiguresError, type Figures, parseFigures } from "./bench-figures.ts";

const file = process.argv[2] ?? "bench-results/results.json";
let figures: Figures;
try {
  figures = parseFigures(readFileSync(file, "utf8"), file);
} catch (error) {
  if (!(error instanceof BenchFiguresError)) throw error;
  console.error(`bench-summary: ${error.message}`);
  process.exit(1);
}
const { ranAt, machine, results } = figures;
const yes = (ok: boolean | undefined) => (ok === undefined ? "–" : ok ? "met" : "missed");
const rows: string[][] = [];
const record = results["edge-agent"]?.record;
if (record) {
  rows.push([
    "agent: core record, 3 lines 2 tenders",
    `${record.core.perSecond}/s, p50 ${record.core.p50Ms} ms, p99 ${record.core.p99Ms} ms`,
    `raw insert ${record.rawInsert.perSecond}/s; ratio ${record.ratios.coreVsRaw}`,
    `≥ 0.6 of raw: ${yes(record.targets.coreAtLeast60PctOfRaw)}; p99 < 1 ms: ${yes(record.targets.coreP99Under1ms)}`,
  ]);
  rows.push([
    "agent: HTTP, 16 clients",
    `${record.http.perSecond}/s, p99 ${record.http.p99Ms} ms`,
    `ratio to raw ${record.ratios.httpVsRaw}`,
    `≥ 2,000/s: ${yes(record.targets.httpAtLeast2000PerSecond)}`,
  ]);
}
const sync = results["edge-agent"]?.sync;
if (sync) {
  rows.push([
    "sync: drain 100k backlog into one region",
    `${sync.engineDrain.eventsPerSec}/s`,
    `region's own ingest ${sync.regionDirectIngest.eventsPerSec}/s; ratio ${sync.drainVsDirect}`,
    `≥ 0.5: ${yes(sync.targets.drainAtLeast50PctOfDirect)}`,
  ]);
  rows.push([
    "sync: record→ack at 200 sales/s",
    `p50 ${sync.steady.recordToAckP50Ms} ms, p95 ${sync.steady.recordToAckP95Ms} ms`,
    "",
    `p95 < 250 ms: ${yes(sync.targets.recordToAckP95Under250ms)}`,
  ]);
}
for (const [name, b] of Object.entries(results["cloud-sync"]?.backends ?? {})) {
  rows.push([
    `region ingest (${name}): 100k events, batches of 500, HTTP`,
    `${b.endToEnd.eventsPerSecond}/s`,
    `raw unnest insert ${b.rawInsert.eventsPerSecond}/s; ratio ${b.endToEndVsRaw}`,
    `≥ 0.5: ${yes(b.endToEndVsRaw >= 0.5)}`,
  ]);
  rows.push([
    `region replay (${name}): same 100k, all duplicates`,
    `${b.replay.eventsPerSecond}/s`,
    `ratio to first pass ${b.replayVsFirstPass}`,
    `≥ 1: ${yes(b.replayVsFirstPass >= 1)}`,
  ]);
  if (b.wholeRegion)
    rows.push([
      `region ingest (${name}), ${b.wholeRegion.instances} instances on one database`,
      `${b.wholeRegion.endToEnd.eventsPerSecond}/s`,
      `raw unnest insert ${b.wholeRegion.rawInsert.eventsPerSecond}/s; ratio ${b.wholeRegion.endToEndVsRaw}`,
      `≥ 0.5: ${yes(b.wholeRegion.endToEndVsRaw >= 0.5)}`,
    ]);
  if (b.memory)
    rows.push([
      `region memory (${name}): 100k → ${b.memory.events / 1000}k events`,
      `RSS ${b.memory.samples[0]?.rssMiB} → ${b.memory.samples.at(-1)?.rssMiB} MiB`,
      `growth ${(b.memory.growthFrom100k * 100).toFixed(1)}%`,
      `≤ 20%: ${yes(b.memory.growthFrom100k <= 0.2)}`,
    ]);
}
const fleet = results["edge-agent"]?.fleet;
if (fleet) {
  const worst = Math.max(fleet.idle.perRegisterMiB, fleet.afterSales.perRegisterMiB);
  rows.push([
    `fleet memory: ${fleet.registers} agent cores in one process, sales synced`,
    `${worst} MiB RSS per register (${fleet.afterSales.marginalPerRegisterMiB} MiB above the process's baseline)`,
    `budget ${fleet.budgetMiBPerRegister} MiB; ratio ${(worst / fleet.budgetMiBPerRegister).toFixed(3)}; 2,000 registers ≈ ${fleet.projectedDrillRssGiB} GiB`,
    `≤ budget: ${yes(worst <= fleet.budgetMiBPerRegister)}`,
  ]);
}
const log = results["cloud-sync"]?.log;
if (log) {
  const a = log.appendsBesideReader;
  rows.push([
    "log (postgres): appends with a feed reader beside them",
    `${a.appendsWithReaderEventsPerSec}/s`,
    `appends alone ${a.appendsAloneEventsPerSec}/s; ratio ${a.ratioWithReader.toFixed(2)} (the old exclusive-lock reader ${a.ratioWithExclusiveLockReader.toFixed(2)})`,
    `≥ 0.9: ${yes(a.ratioWithReader >= 0.9)}`,
  ]);
  rows.push([
    `digest (postgres): ${log.digest.events / 1000}k events, ${log.digest.registers} registers`,
    `${log.digest.keptDigestMs} ms (kept)`,
    `scan of the log ${log.digest.logScanDigestMs} ms; ratio ${(log.digest.keptDigestMs / log.digest.logScanDigestMs).toFixed(4)}`,
    `kept < scan: ${yes(log.digest.keptDigestMs < log.digest.logScanDigestMs)}`,
  ]);
}
const load = machine.loadAverage1m
  ? ` (1-minute load average ${machine.loadAverage1m.before.toFixed(1)} before, ${machine.loadAverage1m.after.toFixed(1)} after)`
  : "";
console.log(
  `Measured ${ranAt} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}${load}.\n`,
);
console.log("| benchmark | measured | baseline in the same run | target |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
