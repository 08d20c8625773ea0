/**
 * The report's charts as inline SVG strings, drawn here rather than with a plotting library: four
 * chart types (scatter, histogram, lines, bars) need about 200 lines, and the report stays one small
 * self-contained file that renders without scripts. Every data mark carries class "mark" so a test
 * (or a reader of the HTML) can count what was drawn.
 *
 * @example
 *   scatterChart([{ x: 1, y: 1.2 }, { x: 3, y: 2.7 }], { title: 'helpfulness', xLabel: 'target', yLabel: 'prediction', diagonal: true })
 *   // '<svg class="chart" ...><circle class="mark" .../>...</svg>'
 */
import { extent, linearScale, niceTicks, type Scale, tickLabel } from './axis.ts'
import { escapeHtml } from './escape.ts'

export const PALETTE = ['#3b6fb6', '#d9822b', '#2e9d63', '#b8455f', '#7a5cb3', '#5b8a99', '#a68a2a']

export interface ChartOptions {
  title: string
  xLabel?: string
  yLabel?: string
  width?: number
  height?: number
  /** Draw the y = x line (prediction = target). */
  diagonal?: boolean
  /** Fixed domains; otherwise from the data. */
  xDomain?: [number, number]
  yDomain?: [number, number]
}

interface Frame {
  x: Scale
  y: Scale
  open: string
  close: string
}

const MARGIN = { top: 28, right: 14, bottom: 40, left: 52 }

function frame(o: ChartOptions, xDomain: [number, number], yDomain: [number, number]): Frame {
  const w = o.width ?? 360
  const h = o.height ?? 280
  const x = linearScale(xDomain, [MARGIN.left, w - MARGIN.right])
  const y = linearScale(yDomain, [h - MARGIN.bottom, MARGIN.top])
  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<text class="title" x="${w / 2}" y="16" text-anchor="middle">${escapeHtml(o.title)}</text>`,
  ]
  for (const t of niceTicks(xDomain[0], xDomain[1], 5)) {
    const px = x(t).toFixed(1)
    parts.push(
      `<line class="grid" x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${h - MARGIN.bottom}"/>`,
      `<text class="tick" x="${px}" y="${h - MARGIN.bottom + 14}" text-anchor="middle">${tickLabel(t)}</text>`,
    )
  }
  for (const t of niceTicks(yDomain[0], yDomain[1], 5)) {
    const py = y(t).toFixed(1)
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${w - MARGIN.right}" y1="${py}" y2="${py}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${py}" dy="0.32em" text-anchor="end">${tickLabel(t)}</text>`,
    )
  }
  parts.push(
    `<rect class="plot" x="${MARGIN.left}" y="${MARGIN.top}" width="${w - MARGIN.left - MARGIN.right}" height="${h - MARGIN.top - MARGIN.bottom}"/>`,
  )
  if (o.xLabel)
    parts.push(
      `<text class="label" x="${(MARGIN.left + w - MARGIN.right) / 2}" y="${h - 6}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    )
  if (o.yLabel) {
    parts.push(
      `<text class="label" transform="translate(13 ${(MARGIN.top + h - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`,
    )
  }
  if (o.diagonal) {
    const lo = Math.max(xDomain[0], yDomain[0])
    const hi = Math.min(xDomain[1], yDomain[1])
    if (hi > lo) {
      parts.push(
        `<line class="diagonal" x1="${x(lo).toFixed(1)}" y1="${y(lo).toFixed(1)}" x2="${x(hi).toFixed(1)}" y2="${y(hi).toFixed(1)}"/>`,
      )
    }
  }
  return { x, y, open: parts.join(''), close: '</svg>' }
}

export interface Point {
  x: number
  y: number
}

export function scatterChart(points: Point[], o: ChartOptions): string {
  const both = points.flatMap((p) => [p.x, p.y])
  // With the diagonal, both axes share one domain so y = x is the 45° line.
  const xd = o.xDomain ?? (o.diagonal ? extent(both) : extent(points.map((p) => p.x)))
  const yd = o.yDomain ?? (o.diagonal ? xd : extent(points.map((p) => p.y)))
  const f = frame(o, xd, yd)
  const marks = points.map(
    (p) => `<circle class="mark" cx="${f.x(p.x).toFixed(1)}" cy="${f.y(p.y).toFixed(1)}" r="2.4"/>`,
  )
  return f.open + marks.join('') + f.close
}

export function histogramChart(values: number[], o: ChartOptions & { bins?: number }): string {
  const finite = values.filter(Number.isFinite)
  const [lo, hi] = extent(finite, 0)
  const nb = Math.max(1, o.bins ?? 30)
  const width = (hi - lo) / nb
  const counts = new Array(nb).fill(0)
  for (const v of finite) counts[Math.min(nb - 1, Math.floor((v - lo) / width))]++
  const f = frame(o, [lo, hi], [0, Math.max(1, ...counts) * 1.05])
  const marks = counts.map((c, b) => {
    const x0 = f.x(lo + b * width)
    const x1 = f.x(lo + (b + 1) * width)
    const y = f.y(c)
    return `<rect class="mark" x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(f.y(0) - y).toFixed(1)}"><title>${tickLabel(lo + b * width)} to ${tickLabel(lo + (b + 1) * width)}: ${c}</title></rect>`
  })
  return f.open + marks.join('') + f.close
}

export interface Series {
  name: string
  points: Point[]
}

/** Lines with a dot per point and a legend; a single-point series shows as its dot. */
export function lineChart(series: Series[], o: ChartOptions): string {
  const all = series.flatMap((s) => s.points)
  const xd = o.xDomain ?? (o.diagonal ? extent(all.flatMap((p) => [p.x, p.y])) : extent(all.map((p) => p.x)))
  const yd = o.yDomain ?? (o.diagonal ? xd : extent(all.map((p) => p.y)))
  const f = frame(o, xd, yd)
  const parts: string[] = []
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    if (pts.length > 1) {
      const d = pts.map((p, j) => `${j ? 'L' : 'M'}${f.x(p.x).toFixed(1)},${f.y(p.y).toFixed(1)}`).join('')
      parts.push(`<path class="mark line" d="${d}" stroke="${color}"/>`)
    }
    for (const p of pts) {
      parts.push(
        `<circle class="mark dot" cx="${f.x(p.x).toFixed(1)}" cy="${f.y(p.y).toFixed(1)}" r="3" fill="${color}"/>`,
      )
    }
    // Bottom-right of the plot: rising curves (training L_rating, a calibrated model) leave it empty.
    const w = o.width ?? 360
    const h = o.height ?? 280
    const y = h - MARGIN.bottom - 8 - 14 * (series.length - 1 - i)
    const x = w - MARGIN.right - 8
    parts.push(
      `<g class="legend"><text x="${x - 14}" y="${y}" text-anchor="end">${escapeHtml(s.name)}</text><rect x="${x - 10}" y="${y - 9}" width="10" height="10" fill="${color}"/></g>`,
    )
  })
  return f.open + parts.join('') + f.close
}

export interface Bar {
  label: string
  value: number
  /** Shown after the value, e.g. the row count. */
  note?: string
}

/** Horizontal bars on a fixed [0, 1] axis with an optional reference line (e.g. chance = 0.5). */
export function barChart(bars: Bar[], o: ChartOptions & { reference?: number }): string {
  const w = o.width ?? 560
  const rowH = 22
  const left = 170
  const top = 28
  const h = top + rowH * bars.length + 30
  const [d0, d1] = o.xDomain ?? [0, 1]
  const x = linearScale([d0, d1], [left, w - 70])
  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<text class="title" x="${w / 2}" y="16" text-anchor="middle">${escapeHtml(o.title)}</text>`,
  ]
  for (const t of niceTicks(d0, d1, 5)) {
    parts.push(
      `<line class="grid" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top}" y2="${h - 26}"/>`,
      `<text class="tick" x="${x(t).toFixed(1)}" y="${h - 12}" text-anchor="middle">${tickLabel(t)}</text>`,
    )
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH
    const v = Number.isFinite(b.value) ? Math.max(d0, Math.min(d1, b.value)) : d0
    parts.push(
      `<text class="tick" x="${left - 6}" y="${y + rowH / 2}" dy="0.32em" text-anchor="end">${escapeHtml(b.label)}</text>`,
      `<rect class="mark" x="${left}" y="${y + 3}" width="${Math.max(0.5, x(v) - left).toFixed(1)}" height="${rowH - 6}" fill="${PALETTE[0]}"><title>${escapeHtml(b.label)}: ${tickLabel(b.value)}</title></rect>`,
      `<text class="tick" x="${(x(v) + 4).toFixed(1)}" y="${y + rowH / 2}" dy="0.32em">${Number.isFinite(b.value) ? b.value.toFixed(3) : 'n/a'}${b.note ? ` ${escapeHtml(b.note)}` : ''}</text>`,
    )
  })
  if (o.reference !== undefined) {
    const rx = x(o.reference).toFixed(1)
    parts.push(`<line class="diagonal" x1="${rx}" x2="${rx}" y1="${top}" y2="${h - 26}"/>`)
  }
  return `${parts.join('')}</svg>`
}
