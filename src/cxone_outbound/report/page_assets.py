"""The report page's inline stylesheet and script (no external resource is ever referenced)."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --bg: #ffffff;
  --ok: #2f9e44; --fail: #d6336c; --skip: #adb5bd; --req: #4263eb; --throttle: #f08c00;
  --same: #74c0fc;
  --retry: #7048e8; --err: #c92a2a; --accent: #1c7ed6;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--soft); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans",
    sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 48px; }
header.top { margin-bottom: 20px; }
h1 { font-size: 1.6rem; margin: 0 0 6px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 1.15rem; margin: 0 0 4px; font-weight: 620; }
h3 { font-size: 0.98rem; margin: 0 0 6px; font-weight: 600; }
p { margin: 0 0 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono",
  monospace; font-size: 0.88em; }
.meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 0.9rem; }
.meta b { color: var(--fg); font-weight: 560; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-size: 0.8rem;
  font-weight: 600; vertical-align: 0.3em; margin-left: 8px; border: 1px solid transparent; }
.badge.completed { background: #ebfbee; color: #2b8a3e; border-color: #b2f2bb; }
.badge.interrupted, .badge.running { background: #fff9db; color: #a76200; border-color: #ffe066; }
.badge.failed { background: #fff0f6; color: #a61e4d; border-color: #fcc2d7; }
.badge.dry-run, .badge.unknown { background: #e7f5ff; color: #1864ab; border-color: #a5d8ff; }
section.card { background: var(--bg); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 20px; margin: 0 0 18px; }
.sub { color: var(--muted); font-size: 0.88rem; margin-bottom: 12px; }
.kpis { display: grid; gap: 10px; grid-template-columns: repeat(auto-fit, minmax(132px, 1fr));
  margin: 0 0 18px; }
.kpi { background: var(--bg); border: 1px solid var(--line); border-radius: 10px;
  padding: 10px 14px; }
.kpi .label { color: var(--muted); font-size: 0.8rem; text-transform: uppercase;
  letter-spacing: 0.04em; }
.kpi .value { font-size: 1.45rem; font-weight: 640; font-variant-numeric: tabular-nums; }
.kpi.ok .value { color: var(--ok); } .kpi.bad .value { color: var(--fail); }
.kpi.warn .value { color: var(--throttle); }
.note { border-left: 4px solid var(--accent); background: #e7f5ff; padding: 10px 14px;
  border-radius: 6px; margin: 0 0 12px; }
.note.warn { border-color: var(--throttle); background: #fff9db; }
.note.bad { border-color: var(--fail); background: #fff0f6; }
.grid2 { display: grid; gap: 18px;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr)); }
figure { margin: 0; }
svg.chart { width: 100%; height: auto; display: block; }
.scroll-x { overflow-x: auto; }
svg.chart .grid { stroke: #eaeef2; stroke-width: 1; }
svg.chart .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart text { font-size: 11px; fill: var(--muted); font-family: inherit; }
svg.chart text.value { fill: var(--fg); font-weight: 600; }
svg.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg.chart .marker { stroke: var(--muted); stroke-dasharray: 4 3; }
svg.chart .hit { fill: transparent; }
svg.chart .hit:hover { fill: rgba(66, 99, 235, 0.08); }
.c-succeeded { fill: var(--ok); stroke: var(--ok); }
.c-failed { fill: var(--fail); stroke: var(--fail); }
.c-skipped { fill: var(--skip); stroke: var(--skip); }
.c-unchanged { fill: var(--same); stroke: var(--same); }
.c-requests { fill: var(--req); stroke: var(--req); }
.c-throttled { fill: var(--throttle); stroke: var(--throttle); }
.c-retries { fill: var(--retry); stroke: var(--retry); }
.c-errors { fill: var(--err); stroke: var(--err); }
.c-latency { fill: var(--req); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.85rem; color: var(--muted);
  margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 6px; vertical-align: -1px; }
.sw-succeeded { background: var(--ok); } .sw-failed { background: var(--fail); }
.sw-skipped { background: var(--skip); } .sw-throttled { background: var(--throttle); }
.sw-unchanged { background: var(--same); }
.sw-retries { background: var(--retry); } .sw-errors { background: var(--err); }
.bars { display: grid; grid-template-columns: minmax(90px, max-content) 1fr max-content;
  gap: 6px 12px; align-items: center; font-size: 0.9rem; }
.bars .name { overflow-wrap: anywhere; }
.bars .track { background: #eef1f4; border-radius: 4px; height: 12px; overflow: hidden; }
.bars .fill { display: block; height: 100%; background: var(--req); border-radius: 4px; }
.bars .fill.ratio { background: var(--ok); }
.bars .fill.low { background: var(--throttle); }
.bars .num { font-variant-numeric: tabular-nums; text-align: right; color: var(--fg); }
.bars .detail { grid-column: 1 / -1; color: var(--muted); font-size: 0.8rem; margin-top: -6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0;
  font-size: 0.9rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 0.86rem; }
th, td { padding: 6px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid #eaeef2;
  white-space: nowrap; max-width: 36ch; overflow: hidden; text-overflow: ellipsis; }
td.msg { white-space: normal; min-width: 24ch; }
th { background: var(--soft); position: sticky; top: 0; font-weight: 600; cursor: pointer;
  user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; color: var(--muted); }
th[aria-sort="descending"]::after { content: " ▼"; color: var(--muted); }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #a61e4d; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 0.82rem; margin-top: 24px; }
footer ul { margin: 6px 0 0; padding-left: 18px; }
@media (max-width: 600px) {
  main { padding: 14px 10px 32px; } section.card { padding: 14px; }
  .kpi .value { font-size: 1.2rem; } h1 { font-size: 1.3rem; }
  svg.chart.wide { min-width: 640px; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    var text = cell ? cell.textContent.trim() : "";
    if (!numeric) { return text.toLowerCase(); }
    var value = parseFloat(text.replace(/,/g, ""));
    return isNaN(value) ? -Infinity : value;
  }
  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.classList.contains("num");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a, index, numeric), y = cellKey(b, index, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
})();
"""


def script_hash(script: str) -> str:
    """The CSP source (`'sha256-…'`) allowing exactly this inline script and no other."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
