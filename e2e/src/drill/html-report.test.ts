import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "./html-report.ts";

describe("drill HTML report", () => {
  const data = {
    title: "Outage drill",
    startedAt: "2026-11-26T08:00:00Z",
    samples: [
      { t: 0, acks: { A: 10, B: 0 }, backlog: { "agent-1": 0 } },
      { t: 1, acks: { A: 0, B: 12 }, backlog: { "agent-1": 4 } },
    ],
    faults: [{ t: 1, label: "kill A" }],
    checks: [
      { name: "lost", passed: true, detail: "0 lost" },
      { name: "digests equal", passed: false, detail: "A≠B <b>" },
    ],
    figures: [["failover max", "1.2 s"]] as Array<[string, string]>,
  };

  it("is self-contained: no scripts and no external resources", () => {
    const html = renderHtmlReport(data);
    expect(html).not.toMatch(/<script|src=|href=/i);
  });

  it("draws one line per region and per agent, and marks the faults", () => {
    const html = renderHtmlReport(data);
    expect(html.match(/<path /g)?.length).toBe(3);
    expect(html).toContain("kill A");
  });

  it("shows a failed check as failed and escapes detail text", () => {
    const html = renderHtmlReport(data);
    expect(html).toContain("CHECKS FAILED");
    expect(html).toContain("A≠B &lt;b&gt;");
  });
});
