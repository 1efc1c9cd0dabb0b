/** One number of a figure, with the baseline measured in the same run. */
export type Measure = {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** Which way is good, so the ratio value ÷ baseline reads right. */
  better?: 'higher' | 'lower';
};

export type TargetCheck = { target: string; met: boolean; detail: string };

export type Chart = { file: string; caption: string; svg: string };

export type FigureResult = {
  id: number;
  title: string;
  measures: Measure[];
  targets: TargetCheck[];
  /** What limits the figure, caveats, profile findings. */
  notes: string[];
  charts: Chart[];
  /** Everything measured, for the JSON file. */
  raw: unknown;
};

/** Sizes of one run: `--quick` keeps the whole suite under two minutes. */
export type BenchSettings = {
  quick: boolean;
  /** Seconds per throughput measurement, after a warm-up. */
  measureSeconds: number;
  warmupSeconds: number;
  /** Repetitions of each measurement, alternating with its baseline; medians are reported. */
  rounds: number;
  /** Figure 4's connection counts (the last is the headline). */
  connectionSteps: number[];
  /** Figure 5: sends per kind (each reaches every connection). */
  fanoutSends: number;
  fanoutConnections: number;
  /** Figure 6: messages through the broker per mode. */
  brokerMessages: number;
  /** Figure 8: messages per AMQP measurement (sent, then received and completed). */
  amqpMessages: number;
  /** Figure 3: offered rates (orders/s), seconds per rate, connected clients. */
  endToEndRates: number[];
  endToEndSeconds: number;
  endToEndClients: number;
  /** Figure 7: start-ups measured. */
  startups: number;
  /** Write .cpuprofile files of the servers under test to bench/results/profiles/. */
  profile: boolean;
};

export function ratio(measure: Measure): number | undefined {
  return measure.baseline && measure.baseline.value !== 0 ? measure.value / measure.baseline.value : undefined;
}
