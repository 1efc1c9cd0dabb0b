import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { ratio, type BenchSettings, type FigureResult, type Measure } from './results.js';
import { formatValue } from './svg.js';

export const resultsDir = join(repoRoot, 'bench/results');

export type RunInfo = {
  date: string;
  startedAt: string;
  durationSeconds: number;
  node: string;
  cpus: string;
  settings: BenchSettings;
};

const formatRatio = (measure: Measure): string => {
  const r = ratio(measure);
  return r === undefined ? '' : `${r.toFixed(2)}×`;
};

const baselineCell = (measure: Measure): string =>
  measure.baseline ? `${formatValue(measure.baseline.value)} (${measure.baseline.name})` : '';

/** Rows of the figures table: figure, measure, value, baseline, ratio. */
function tableRows(figures: FigureResult[]): string[][] {
  return figures.flatMap((figure) =>
    figure.measures.map((m) => [
      `${figure.id}. ${figure.title}`,
      m.name,
      `${formatValue(m.value)} ${m.unit}`,
      baselineCell(m),
      formatRatio(m),
    ]),
  );
}

const HEADER = ['figure', 'measure', 'value', 'baseline (same run)', 'ratio'];

/** The table and target verdicts as plain text for the terminal. */
export function consoleSummary(figures: FigureResult[]): string {
  const rows = [HEADER, ...tableRows(figures)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.push('', 'Targets:');
  for (const figure of figures) {
    for (const t of figure.targets) lines.push(`  [${t.met ? 'met' : 'MISSED'}] ${t.target}: ${t.detail}`);
  }
  return lines.join('\n');
}

function markdown(info: RunInfo, figures: FigureResult[], chartDir: string): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const out: string[] = [
    `# Benchmark results, ${info.date}${info.settings.quick ? ' (quick run)' : ''}`,
    '',
    `Node ${info.node}, ${info.cpus}; run took ${info.durationSeconds.toFixed(0)} s. Every baseline was measured ` +
      'in the same run on the same machine; ratios are value ÷ baseline. Reproduce with `npm run bench` ' +
      '(or `npm run bench:quick`); see docs/bench.md.',
    '',
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...tableRows(figures).map((r) => `| ${r.map(escape).join(' | ')} |`),
    '',
    '## Targets',
    '',
    ...figures.flatMap((f) => f.targets.map((t) => `- ${t.met ? '✅ met' : '❌ missed'}: ${t.target} — ${t.detail}`)),
    '',
  ];
  for (const figure of figures) {
    out.push(`## ${figure.id}. ${figure.title}`, '');
    for (const chart of figure.charts) out.push(`![${chart.caption}](${chartDir}/${chart.file})`, '');
    // Notes are list items, except rows of a table (starting with '|'), which need a blank line before them.
    figure.notes.forEach((note, i) => {
      const row = note.startsWith('|');
      if (row && !figure.notes[i - 1]?.startsWith('|')) out.push('');
      out.push(row ? note : `- ${note}`);
    });
    out.push('');
  }
  return out.join('\n');
}

/** Writes `<date>.json`, `<date>.md`, `latest.md` and the charts under `<date>/`; returns the Markdown path. */
export function writeResults(info: RunInfo, figures: FigureResult[]): string {
  const chartDir = info.date;
  mkdirSync(join(resultsDir, chartDir), { recursive: true });
  for (const figure of figures) {
    for (const chart of figure.charts) writeFileSync(join(resultsDir, chartDir, chart.file), chart.svg);
  }
  const json = {
    ...info,
    figures: figures.map(({ charts, ...rest }) => ({
      ...rest,
      measures: rest.measures.map((m) => ({ ...m, ratio: ratio(m) })),
      charts: charts.map((c) => `${chartDir}/${c.file}`),
    })),
  };
  writeFileSync(join(resultsDir, `${info.date}.json`), `${JSON.stringify(json, null, 2)}\n`);
  const md = markdown(info, figures, chartDir);
  writeFileSync(join(resultsDir, `${info.date}.md`), md);
  writeFileSync(join(resultsDir, 'latest.md'), md);
  return join(resultsDir, `${info.date}.md`);
}
