import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_DRILL, type DrillReport, runDrill } from "./run-drill.ts";

// A short drill with few agents, so the drill itself cannot rot: the same faults as `pnpm drill`.
describe("the outage drill (short)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tl-drill-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let report: DrillReport;

  it("loses nothing, doubles nothing and converges through a region kill, a store cut and an agent kill", async () => {
    report = await runDrill({
      ...DEFAULT_DRILL,
      agents: 4,
      registersPerStore: 2,
      durationSec: 24,
      rate: 3,
      outDir: join(dir, "report"),
      dataDir: join(dir, "data"),
      convergeTimeoutSec: 120,
    });
    const failed = report.checks.filter((c) => !c.passed);
    expect(failed).toEqual([]);
    expect(report.figures.acked).toBeGreaterThan(100);
    expect(report.figures.eventsLost).toBe(0);
    expect(report.figures.duplicatesSeenByConsumer).toBe(0);
    // The drill really did its faults, in order.
    expect(report.faults.map((f) => f.label)).toEqual(
      expect.arrayContaining([
        "region A killed (SIGKILL)",
        "store store-001 cut off",
        "agent reg-004 killed (SIGKILL)",
        "region A restarted",
        "store store-001 restored",
      ]),
    );
  }, 420_000);

  it("writes a JSON report and a self-contained HTML report", () => {
    const json = JSON.parse(readFileSync(join(dir, "report", "report.json"), "utf8")) as DrillReport;
    expect(json.checks.length).toBe(report.checks.length);
    const html = readFileSync(join(dir, "report", "report.html"), "utf8");
    expect(html).toContain("ALL CHECKS PASSED");
    expect(html).toContain("region A killed");
  });
});
