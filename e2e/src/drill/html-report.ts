/**
 * The drill's report as a self-contained HTML page (inline SVG, no scripts, no external assets):
 * acks per second per region with the faults marked, backlog per agent, and the checks.
 */

export interface TimelineSample {
  /** Seconds since the drill started. */
  t: number;
  /** Events acked per region during this second. */
  acks: Record<string, number>;
  /** Pending events per agent at this second. */
  backlog: Record<string, number>;
}

export interface FaultMark {
  t: number;
  label: string;
}

export interface CheckRow {
  name: string;
  passed: boolean;
  detail: string;
}

export interface ReportData {
  title: string;
  startedAt: string;
  samples: TimelineSample[];
  faults: FaultMark[];
  checks: CheckRow[];
  figures: Array<[string, string]>;
}

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4d7c0f", "#be185d"];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

interface Series {
  name: string;
  points: Array<[number, number]>;
}

function lineChart(title: string, series: Series[], faults: FaultMark[], yLabel: string): string {
  const width = 960;
  const height = 260;
  const pad = { left: 56, right: 16, top: 52, bottom: 36 };
  const allX = series.flatMap((s) => s.points.map((p) => p[0]));
  const allY = series.flatMap((s) => s.points.map((p) => p[1]));
  const maxX = Math.max(1, ...allX, ...faults.map((f) => f.t));
  const maxY = Math.max(1, ...allY);
  const x = (v: number) => pad.left + (v / maxX) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const lines = series
    .map((s, i) => {
      const d = s.points.map(([px, py], j) => `${j === 0 ? "M" : "L"}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ");
      return `<path d="${d}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5"><title>${escapeHtml(s.name)}</title></path>`;
    })
    .join("");
  // Labels step down in three rows so faults close together stay readable.
  const marks = faults
    .map(
      (f, i) =>
        `<line x1="${x(f.t)}" x2="${x(f.t)}" y1="${12 + (i % 3) * 13}" y2="${height - pad.bottom}" stroke="#111" stroke-dasharray="4 3"/>` +
        `<text x="${x(f.t) + 3}" y="${20 + (i % 3) * 13}" font-size="11">${escapeHtml(f.label)}</text>`,
    )
    .join("");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((k) => {
      const vy = Math.round(maxY * k);
      const vx = Math.round(maxX * k);
      return (
        `<text x="${pad.left - 6}" y="${y(vy) + 4}" font-size="11" text-anchor="end">${vy}</text>` +
        `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(vy)}" y2="${y(vy)}" stroke="#e5e7eb"/>` +
        `<text x="${x(vx)}" y="${height - pad.bottom + 16}" font-size="11" text-anchor="middle">${vx}s</text>`
      );
    })
    .join("");
  const legend = series
    .slice(0, 24)
    .map(
      (s, i) =>
        `<span class="key"><span class="swatch" style="background:${COLOURS[i % COLOURS.length]}"></span>${escapeHtml(s.name)}</span>`,
    )
    .join("");
  return `<section><h2>${escapeHtml(title)}</h2><svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(title)}">
<text x="14" y="${height / 2}" font-size="11" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">${escapeHtml(yLabel)}</text>
${ticks}${lines}${marks}</svg><div class="legend">${legend}</div></section>`;
}

function seriesOf(samples: TimelineSample[], pick: (s: TimelineSample) => Record<string, number>): Series[] {
  const names = [...new Set(samples.flatMap((s) => Object.keys(pick(s))))].sort();
  return names.map((name) => ({ name, points: samples.map((s) => [s.t, pick(s)[name] ?? 0] as [number, number]) }));
}

export function renderHtmlReport(data: ReportData): string {
  const allPassed = data.checks.every((c) => c.passed);
  const checks = data.checks
    .map(
      (c) =>
        `<tr class="${c.passed ? "pass" : "fail"}"><td>${c.passed ? "PASS" : "FAIL"}</td><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.detail)}</td></tr>`,
    )
    .join("");
  const figures = data.figures.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#111}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 6px}
.verdict{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600;color:#fff;background:${allPassed ? "#16a34a" : "#dc2626"}}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
tr.fail td:first-child{color:#dc2626;font-weight:700} tr.pass td:first-child{color:#16a34a;font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
</style></head><body>
<h1>${escapeHtml(data.title)}</h1><p>Started ${escapeHtml(data.startedAt)} · <span class="verdict">${allPassed ? "ALL CHECKS PASSED" : "CHECKS FAILED"}</span></p>
<h2>Checks</h2><table><tbody>${checks}</tbody></table>
<h2>Figures</h2><table><tbody>${figures}</tbody></table>
${lineChart(
  "Acks per second, per region",
  seriesOf(data.samples, (s) => s.acks),
  data.faults,
  "acks/s",
)}
${lineChart(
  "Backlog per agent (pending events)",
  seriesOf(data.samples, (s) => s.backlog),
  data.faults,
  "pending",
)}
</body></html>
`;
}
