/** The screens' one stylesheet, served at /screens/screens.css (a strict CSP allows no inline styles). */
export const SCREENS_CSS = `
:root {
  --ink: #1b1f24; --muted: #5b6470; --line: #d8dde3; --panel: #ffffff; --bg: #f3f5f7;
  --brand: #0b5cad; --ok: #1a7f37; --warn: #9a6700; --warn-bg: #fff4d6; --bad: #b42318; --bad-bg: #fde8e6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; }
[hidden] { display: none !important; }
h1, h2, h3 { margin: 0; font-weight: 600; }
h2 { font-size: 1rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-bottom: .5rem; }
.topbar { display: flex; align-items: center; gap: 1.25rem; padding: .6rem 1.25rem; background: #14213d; color: #fff; }
.topbar h1 { font-size: 1.15rem; }
.topbar .where { color: #c9d3e3; }
.topbar nav { display: flex; gap: .25rem; margin-left: 1rem; }
.topbar nav a, .topbar nav button { color: #fff; background: transparent; border: 1px solid transparent; border-radius: 6px; padding: .35rem .8rem; font: inherit; cursor: pointer; text-decoration: none; }
.topbar nav .current, .topbar nav [aria-pressed="true"] { background: #2c3e66; border-color: #4a5f8f; }
.topbar .spacer { flex: 1; }
.pill { display: inline-block; padding: .2rem .7rem; border-radius: 999px; font-weight: 600; font-size: .9rem; }
.pill.online { background: #d4f4dd; color: var(--ok); }
.pill.offline { background: var(--bad-bg); color: var(--bad); }
.banner { padding: .7rem 1.25rem; font-size: 1.05rem; border-bottom: 1px solid var(--line); }
.banner.offline { background: var(--warn-bg); color: #5c3d00; }
.banner.alert { background: var(--bad-bg); color: var(--bad); }
.banner strong { font-size: 1.2rem; }
main { padding: 1rem 1.25rem; }
.grid { display: grid; gap: 1rem; }
.cashier-grid { grid-template-columns: 1fr 420px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; }
.panel + .panel { margin-top: 1rem; }
label { display: flex; flex-direction: column; gap: .25rem; font-size: .9rem; color: var(--muted); }
input, select, button { font: inherit; }
input, select { padding: .5rem .6rem; border: 1px solid #b8c0ca; border-radius: 6px; color: var(--ink); background: #fff; }
input:focus, select:focus, button:focus-visible { outline: 3px solid #8ab4f8; outline-offset: 1px; }
.row { display: flex; gap: .6rem; align-items: flex-end; flex-wrap: wrap; }
.row .grow { flex: 1; }
.scan input { font-size: 1.2rem; }
button { padding: .55rem 1rem; border-radius: 6px; border: 1px solid #b8c0ca; background: #fff; cursor: pointer; }
button.primary { background: var(--brand); border-color: var(--brand); color: #fff; font-weight: 600; }
button.big { width: 100%; padding: .9rem; font-size: 1.15rem; }
button:disabled { opacity: .45; cursor: not-allowed; }
button.link { border: none; background: none; color: var(--brand); padding: .1rem .3rem; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
th, td { padding: .4rem .5rem; border-bottom: 1px solid #eef1f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: var(--muted); padding: 1rem .5rem; }
.totals { font-variant-numeric: tabular-nums; }
.totals div { display: flex; justify-content: space-between; padding: .15rem 0; }
.totals .grand { font-size: 1.5rem; font-weight: 700; border-top: 2px solid var(--ink); margin-top: .3rem; padding-top: .4rem; }
.totals .due { color: var(--brand); font-weight: 700; font-size: 1.2rem; }
.totals .change { color: var(--ok); font-weight: 700; font-size: 1.2rem; }
.tender-tabs { display: flex; gap: .4rem; margin-bottom: .6rem; }
.tender-tabs button[aria-pressed="true"], .mode-button[aria-pressed="true"] { background: #e6effa; border-color: var(--brand); color: var(--brand); font-weight: 600; }
.error { color: var(--bad); min-height: 1.3em; margin: .4rem 0 0; }
.note { color: var(--muted); font-size: .9rem; }
.tag { display: inline-block; font-size: .78rem; font-weight: 600; padding: .1rem .45rem; border-radius: 4px; background: #eef1f4; color: var(--muted); }
.tag.pending { background: var(--warn-bg); color: var(--warn); }
.tag.acked { background: #d4f4dd; color: var(--ok); }
.tag.dead { background: var(--bad-bg); color: var(--bad); }
.receipt { max-width: 520px; margin: 0 auto; font-variant-numeric: tabular-nums; }
.receipt .id { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9rem; user-select: all; }
.manager-auth { margin: 1rem 1.25rem 0; padding: .6rem 1rem; display: flex; gap: 1rem; align-items: flex-end; flex-wrap: wrap; }
.manager-auth form, .manager-auth #manager-controls { display: flex; gap: .6rem; align-items: flex-end; }
.manager-auth input { width: 10rem; }
.manager-auth .error { margin: 0; align-self: center; }
.stats { display: grid; grid-template-columns: repeat(5, 1fr); gap: .8rem; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: .7rem .9rem; }
.stat .label { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.stat .value { font-size: 1.8rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.stat.warn .value { color: var(--warn); }
.stat.bad .value { color: var(--bad); }
.manager-grid { grid-template-columns: 1fr 1fr; margin-top: 1rem; }
meter { width: 100%; height: 1.1rem; }
.warnbox { background: var(--warn-bg); color: #5c3d00; border-radius: 6px; padding: .5rem .7rem; margin-top: .5rem; }
.badbox { background: var(--bad-bg); color: var(--bad); border-radius: 6px; padding: .5rem .7rem; margin-top: .5rem; }
.mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
.key { font-size: .72rem; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 .3rem; margin-left: .25rem; font-weight: 400; }
.nowrap { white-space: nowrap; }
.receipt .receipt-number { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 1.25rem; letter-spacing: .05em; user-select: all; }
.barcode-box { margin: .5rem 0; }
.barcode-box svg.barcode { display: block; width: 100%; max-width: 360px; height: auto; margin: 0 auto; }
.print-page { background: #fff; }
.print-receipt { padding: 1rem; }
.print-receipt .store-line { text-align: center; font-weight: 600; }
@media print {
  @page { margin: 4mm; }
  body { background: #fff; }
  .topbar, .banner, main > .row, #receipt-mode > .row, #sale-mode, #return-mode { display: none !important; }
  #receipt-sync { display: none; }
  .panel { border: none; padding: 0; }
  .receipt { max-width: none; font-size: 11pt; }
  .tag { display: none; }
}
.truncate { max-width: 22rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;
