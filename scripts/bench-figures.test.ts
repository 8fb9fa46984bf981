import { describe, expect, it } from "vitest";
import { BenchFiguresError, parseFigures } from "./bench-figures.ts";

const machine = { cpu: "test cpu", cores: 4, memoryGiB: 8, os: "linux", node: "v20" };
const run = { perSecond: 1000, p50Ms: 0.2, p99Ms: 0.9 };

describe("a bench results file", () => {
  it("parses when every figure the summary prints is there, and a benchmark that did not run may be absent", () => {
    const figures = parseFigures(
      JSON.stringify({
        ranAt: "2026-12-01T00:00:00Z",
        machine,
        results: {
          "edge-agent": {
            record: { rawInsert: run, core: run, http: run, ratios: { coreVsRaw: 0.8, httpVsRaw: 0.3 }, targets: {} },
          },
        },
      }),
      "results.json",
    );
    expect(figures.results["edge-agent"]?.record?.core.p99Ms).toBe(0.9);
    expect(figures.results["cloud-sync"]).toBeUndefined();
  });

  it("reads the fleet's memory, the log's reader and digest figures, and names a bad one", () => {
    const memory = { perRegisterMiB: 1.9, marginalPerRegisterMiB: 0.9 };
    const log = {
      appendsBesideReader: {
        appendsAloneEventsPerSec: 1000,
        appendsWithReaderEventsPerSec: 1100,
        ratioWithReader: 1.1,
        ratioWithExclusiveLockReader: 0.9,
      },
      digest: { events: 1_000_000, registers: 2000, keptDigestMs: 14, logScanDigestMs: 1300 },
    };
    const results = (digest: object) => ({
      ranAt: "x",
      machine,
      results: {
        "edge-agent": {
          fleet: { registers: 200, idle: memory, afterSales: memory, budgetMiBPerRegister: 4, projectedDrillRssGiB: 3.7 },
        },
        "cloud-sync": { log: { ...log, digest } },
      },
    });
    const figures = parseFigures(JSON.stringify(results(log.digest)), "results.json");
    expect(figures.results["edge-agent"]?.fleet?.afterSales.perRegisterMiB).toBe(1.9);
    expect(figures.results["cloud-sync"]?.log?.digest.keptDigestMs).toBe(14);
    expect(() => parseFigures(JSON.stringify(results({ ...log.digest, keptDigestMs: "14" })), "results.json")).toThrow(
      /results\.json: results\.cloud-sync\.log\.digest\.keptDigestMs/,
    );
  });

  it("is refused naming the file and the field when a figure has the wrong type", () => {
    const text = JSON.stringify({
      ranAt: "x",
      machine,
      results: {
        "edge-agent": {
          record: {
            rawInsert: run,
            core: { ...run, p99Ms: "1.2" },
            http: run,
            ratios: { coreVsRaw: 1, httpVsRaw: 1 },
            targets: {},
          },
        },
      },
    });
    expect(() => parseFigures(text, "bad.json")).toThrow(BenchFiguresError);
    expect(() => parseFigures(text, "bad.json")).toThrow(/^bad\.json: results\.edge-agent\.record\.core\.p99Ms: /);
  });

  it("is refused when it is not JSON or lacks the machine", () => {
    expect(() => parseFigures("{", "cut.json")).toThrow(/^cut\.json: not JSON/);
    expect(() => parseFigures(JSON.stringify({ ranAt: "x", results: {} }), "m.json")).toThrow(/m\.json: machine: /);
  });
});
