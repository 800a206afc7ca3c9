/** Small hand-written SVG charts: line series on linear or log axes, with ticks and a legend. */

export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  yMax?: number;
  width?: number;
  height?: number;
  /** Draw points joined as steps (CDFs) instead of straight lines. */
  step?: boolean;
  /** Vertical lines with a label, e.g. the moment of a restart. */
  markers?: { x: number; label: string }[];
}

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceStep(range: number, target: number): number {
  const raw = range / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return `${Math.round(v / 100) / 10}k`.replace('.0k', 'k');
  return String(Math.round(v * 100) / 100);
}

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 760;
  const height = (o.height ?? 420) + 8;
  const m = { left: 70, right: 20, top: 40, bottom: 50 };
  const columns = o.series.some((x) => x.name.length > 40) ? 1 : 2;
  const legendRows = Math.ceil(o.series.length / columns);
  const plotH = height - m.top - m.bottom - legendRows * 18;
  const plotW = width - m.left - m.right;
  const all = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => (o.logX ? Math.max(1, x) : x));
  let xMin = o.logX ? 10 ** Math.floor(Math.log10(Math.min(...xs, 10))) : Math.min(0, ...xs);
  let xMax = Math.max(...xs, 1);
  if (o.logX) xMax = 10 ** Math.ceil(Math.log10(xMax));
  if (!Number.isFinite(xMin)) xMin = 0;
  const yMax = o.yMax ?? Math.max(1, ...all.map(([, y]) => y)) * 1.05;
  const px = (x: number): number =>
    o.logX
      ? m.left +
        ((Math.log10(Math.max(xMin, x)) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotW
      : m.left + ((x - xMin) / (xMax - xMin || 1)) * plotW;
  const py = (y: number): number => m.top + plotH - (Math.min(y, yMax) / yMax) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  );
  // y grid and ticks
  const yStep = niceStep(yMax, 6);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + plotW}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/>`,
      `<text x="${m.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  // x grid and ticks
  const xTicks: number[] = [];
  if (o.logX) {
    for (let d = xMin; d <= xMax * 1.0001; d *= 10)
      for (const k of [1, 2, 5]) if (d * k <= xMax * 1.0001) xTicks.push(d * k);
  } else {
    const step = niceStep(xMax - xMin, 8);
    for (let x = Math.ceil(xMin / step) * step; x <= xMax + 1e-9; x += step) xTicks.push(x);
  }
  for (const x of xTicks) {
    parts.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${m.top}" y2="${m.top + plotH}" stroke="#f0f0f0"/>`,
      `<text x="${px(x)}" y="${m.top + plotH + 16}" text-anchor="middle">${fmt(x)}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
    `<text x="${m.left + plotW / 2}" y="${m.top + plotH + 36}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    let d = '';
    pts.forEach(([x, y], j) => {
      if (j === 0) d += `M${px(x).toFixed(1)},${py(o.step ? 0 : y).toFixed(1)}`;
      if (o.step) d += ` L${px(x).toFixed(1)},${py(j === 0 ? 0 : pts[j - 1]![1]).toFixed(1)}`;
      d += ` L${px(x).toFixed(1)},${py(y).toFixed(1)}`;
    });
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    const lx = m.left + (i % columns) * (plotW / columns);
    const ly = m.top + plotH + 56 + Math.floor(i / columns) * 18;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  for (const mark of o.markers ?? []) {
    const x = px(mark.x);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + plotH}" stroke="#555" stroke-dasharray="2 3"/>`,
      `<text x="${x + 3}" y="${m.top + 12}" font-size="11" fill="#333">${esc(mark.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Charts drawn by lineChart, one below the other, in one SVG (e.g. a rate above the memory it took). */
export function stackCharts(charts: string[]): string {
  const size = (svg: string): { w: number; h: number } => {
    const m = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
    return { w: Number(m?.[1] ?? 0), h: Number(m?.[2] ?? 0) };
  };
  const width = Math.max(...charts.map((c) => size(c).w));
  let y = 0;
  const parts: string[] = [];
  for (const c of charts) {
    // A nested <svg> keeps each chart's own coordinates; placed by its y.
    parts.push(c.trim().replace(/^<svg /, `<svg y="${y}" `));
    y += size(c).h;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n${parts.join('\n')}\n</svg>\n`;
}
