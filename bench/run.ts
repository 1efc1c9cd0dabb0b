// `npm run bench` / `npm run bench:quick`: runs the figures, prints the table, writes bench/results/.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { amqp } from './figures/amqp.js';
import { broker } from './figures/broker.js';
import { connections } from './figures/connections.js';
import { endToEnd } from './figures/endToEnd.js';
import { fanout } from './figures/fanout.js';
import { hostOverhead } from './figures/hostOverhead.js';
import { orderIntake } from './figures/orderIntake.js';
import { startup } from './figures/startup.js';
import { consoleSummary, writeResults } from './lib/report.js';
import type { BenchSettings, FigureResult } from './lib/results.js';
import { fullSettings, quickSettings } from './settings.js';

const FIGURES: Record<number, (settings: BenchSettings) => Promise<FigureResult>> = {
  1: hostOverhead,
  2: orderIntake,
  3: endToEnd,
  4: connections,
  5: fanout,
  6: broker,
  7: startup,
  8: amqp,
};

const USAGE = `usage: node dist/bench/run.js [--quick] [--only 1,4,6] [--profile]
  --quick    shorter runs (the whole suite in under two minutes)
  --only     run just these figures (${Object.keys(FIGURES).join(', ')})
  --profile  write CPU profiles of the servers under test to bench/results/profiles/ and list their hot spots`;

function parseFigureList(value: string | undefined): number[] {
  if (value === undefined) return Object.keys(FIGURES).map(Number);
  const ids = value.split(',').map((part) => Number(part.trim()));
  const unknown = ids.filter((id) => !(id in FIGURES));
  if (unknown.length > 0) throw new Error(`--only: no figure ${unknown.join(', ')}\n${USAGE}`);
  return ids;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const settings: BenchSettings = { ...(values.quick ? quickSettings : fullSettings), profile: values.profile! };
  const ids = parseFigureList(values.only);
  const started = new Date();
  const figures: FigureResult[] = [];
  for (const id of ids) {
    const begin = performance.now();
    console.log(`figure ${id}…`);
    figures.push(await FIGURES[id]!(settings));
    console.log(`figure ${id} done in ${((performance.now() - begin) / 1000).toFixed(1)} s`);
  }
  const file = writeResults(
    {
      date: started.toISOString().slice(0, 10),
      startedAt: started.toISOString(),
      durationSeconds: (Date.now() - started.getTime()) / 1000,
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
      settings,
    },
    figures,
  );
  console.log(`\n${consoleSummary(figures)}\n\nWritten: ${file} (and .json, latest.md, charts)`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
