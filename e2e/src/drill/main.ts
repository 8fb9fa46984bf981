/**
 * `pnpm drill [--agents 20] [--duration 60] [--rate 2] [--warmup 120] [--out drill-report] [--pg]
 * [--scenario failover|restore]` (`--help`: every flag): runs the region-outage drill (or the restore drill), prints the checks and figures, writes report.json and report.html, and
 * exits non-zero when any check fails. --pg uses DATABASE_URL_A / DATABASE_URL_B.
 */
import { DRILL_USAGE, DrillArgsError, parseDrillArgs } from "./drill-args.ts";
import { restoreFigureRows, runDrill } from "./run-drill.ts";

let parsed: ReturnType<typeof parseDrillArgs>;
try {
  parsed = parseDrillArgs(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof DrillArgsError)) throw error;
  console.error(`drill: ${error.message}`);
  process.exit(2);
}
if (parsed.help) {
  console.log(DRILL_USAGE);
  process.exit(0);
}
const options = { ...parsed.options, progress: (line: string) => process.stdout.write(line) };
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
  "restarted register to B (s)": f.restartedRegisterToBSec,
  "throughput (events/s)": f.throughputEventsPerSec,
  ...Object.fromEntries(restoreFigureRows(f.restore)),
});
console.log(`report: ${options.outDir}/report.json and ${options.outDir}/report.html`);
process.exit(report.passed ? 0 : 1);
