/** The report's stylesheet, inlined into the page (no external fonts or files). */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1d2430; --muted: #66707f; --rule: #d9dee5; --accent: #3b6fb6; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 22px 0 8px; }
h4 { font-size: 14px; margin: 16px 0 4px; }
.muted, .note { color: var(--muted); }
.note { font-size: 12px; margin: 4px 0 12px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; }
table.metrics td { text-align: right; font-variant-numeric: tabular-nums; }
table.metrics td.text { text-align: left; }
table.metrics th { text-align: left; white-space: nowrap; }
.ci { color: var(--muted); font-size: 11px; white-space: nowrap; }
td.better { background: #e3f4ea; }
td.worse { background: #f8e4e6; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
svg.chart { background: #fff; font-size: 10px; }
svg.chart .title { font-size: 12px; font-weight: 600; fill: var(--ink); }
svg.chart .tick, svg.chart .legend text { fill: var(--muted); }
svg.chart .label { fill: var(--ink); font-size: 11px; }
svg.chart .grid { stroke: #eef1f4; }
svg.chart .plot { fill: none; stroke: var(--rule); }
svg.chart .diagonal { stroke: #9aa3ad; stroke-dasharray: 4 3; }
svg.chart circle.mark:not(.dot) { fill: var(--accent); fill-opacity: 0.45; }
svg.chart circle.dot { fill-opacity: 1; }
svg.chart rect.mark { fill: var(--accent); fill-opacity: 0.8; }
svg.chart path.line { fill: none; stroke-width: 2; }
table.examples { width: 100%; table-layout: fixed; font-size: 12px; }
table.examples td { word-wrap: break-word; }
table.examples th:nth-child(1) { width: 50px; }
table.examples.ratings th:nth-child(4), table.examples.ratings th:nth-child(5) { width: 150px; }
table.examples.ratings th:nth-child(6), table.examples.pairs th:nth-child(6) { width: 90px; }
table.examples.pairs th:nth-child(2) { width: 110px; }
.text { white-space: pre-wrap; max-height: 16em; overflow: auto; }
details.text summary { cursor: pointer; }
`
