// Small self-made SVG charts: the results page needs two shapes and no charting dependency.

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { top: 40, right: 150, bottom: 50, left: 70 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const BASELINE_COLOUR = '#9e9e9e';

const escapeXml = (text: string): string =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** 1, 2, 5 × 10^n steps giving about `count` ticks from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const formatTick = (value: number): string =>
  value >= 1e6 ? `${value / 1e6}M` : value >= 1e4 ? `${value / 1e3}k` : String(value);

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

type Axis = { ticks: number[]; scale(value: number): number };

function yAxis(max: number, label: string): { axis: Axis; svg: string[] } {
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const scale = (value: number): number => HEIGHT - MARGIN.bottom - (value / top) * plotHeight;
  const svg = ticks.map(
    (t) =>
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${scale(t)}" y2="${scale(t)}" stroke="#e0e0e0"/>` +
      `<text x="${MARGIN.left - 6}" y="${scale(t) + 4}" text-anchor="end">${formatTick(t)}</text>`,
  );
  const middle = MARGIN.top + plotHeight / 2;
  svg.push(
    `<text transform="translate(16 ${middle}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="black"/>`,
  );
  return { axis: { ticks, scale }, svg };
}

export type Bar = { label: string; value: number; baseline?: boolean };

/** Vertical bars with their values on top; baselines in grey. */
export function barChart(options: { title: string; unit: string; bars: Bar[] }): string {
  const max = Math.max(...options.bars.map((b) => b.value));
  const { axis, svg } = yAxis(max, options.unit);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const slot = plotWidth / options.bars.length;
  const barWidth = Math.min(80, slot * 0.6);
  let colour = 0;
  options.bars.forEach((bar, i) => {
    const x = MARGIN.left + slot * i + (slot - barWidth) / 2;
    const y = axis.scale(bar.value);
    const fill = bar.baseline ? BASELINE_COLOUR : COLOURS[colour++ % COLOURS.length];
    svg.push(
      `<rect x="${x}" y="${y}" width="${barWidth}" height="${HEIGHT - MARGIN.bottom - y}" fill="${fill}"/>`,
      `<text x="${x + barWidth / 2}" y="${y - 5}" text-anchor="middle">${formatValue(bar.value)}</text>`,
      `<text x="${x + barWidth / 2}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escapeXml(bar.label)}</text>`,
    );
  });
  return frame(options.title, svg);
}

export type Series = { name: string; points: [number, number][]; baseline?: boolean };

/** Lines with point markers over a linear x axis; an optional dashed horizontal line marks a target. */
export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  threshold?: { value: number; label: string };
}): string {
  const all = options.series.flatMap((s) => s.points);
  const yMax = Math.max(...all.map(([, y]) => y), options.threshold?.value ?? 0);
  const { axis, svg } = yAxis(yMax, options.yLabel);
  const xTicks = niceTicks(Math.max(...all.map(([x]) => x)));
  const xTop = xTicks[xTicks.length - 1]!;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const sx = (x: number): number => MARGIN.left + (x / xTop) * plotWidth;
  for (const t of xTicks) {
    svg.push(`<text x="${sx(t)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  svg.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  );
  if (options.threshold) {
    const y = axis.scale(options.threshold.value);
    svg.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="black" stroke-dasharray="6 4"/>`,
      `<text x="${WIDTH - MARGIN.right + 6}" y="${y + 4}">${escapeXml(options.threshold.label)}</text>`,
    );
  }
  let colour = 0;
  options.series.forEach((series, i) => {
    const stroke = series.baseline ? BASELINE_COLOUR : COLOURS[colour++ % COLOURS.length]!;
    const points = series.points.map(([x, y]) => `${sx(x).toFixed(1)},${axis.scale(y).toFixed(1)}`);
    svg.push(`<polyline fill="none" stroke="${stroke}" stroke-width="2" points="${points.join(' ')}"/>`);
    for (const [x, y] of series.points) {
      svg.push(`<circle cx="${sx(x).toFixed(1)}" cy="${axis.scale(y).toFixed(1)}" r="3" fill="${stroke}"/>`);
    }
    const legendY = MARGIN.top + 10 + i * 18;
    svg.push(
      `<line x1="${WIDTH - MARGIN.right + 10}" x2="${WIDTH - MARGIN.right + 30}" y1="${legendY}" y2="${legendY}" stroke="${stroke}" stroke-width="2"/>`,
      `<text x="${WIDTH - MARGIN.right + 34}" y="${legendY + 4}">${escapeXml(series.name)}</text>`,
    );
  });
  return frame(options.title, svg);
}

/** Three significant digits, thousands as k. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toPrecision(3)}k`;
  return Number(value.toPrecision(3)).toString();
}
