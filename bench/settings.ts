import type { BenchSettings } from './lib/results.js';

/** `npm run bench`: a few minutes, three rounds per throughput figure. */
export const fullSettings: BenchSettings = {
  quick: false,
  measureSeconds: 8,
  warmupSeconds: 2,
  rounds: 3,
  connectionSteps: [2_500, 5_000, 7_500, 10_000],
  fanoutSends: 400,
  fanoutConnections: 1_000,
  brokerMessages: 100_000,
  amqpMessages: 40_000,
  endToEndRates: [20, 50, 100, 200, 500, 1000],
  endToEndSeconds: 8,
  endToEndClients: 1_000,
  startups: 5,
  profile: false,
};

/** `npm run bench:quick`: the same figures, shorter and once, under two minutes. */
export const quickSettings: BenchSettings = {
  quick: true,
  measureSeconds: 3,
  warmupSeconds: 1,
  rounds: 1,
  connectionSteps: [3_000],
  fanoutSends: 30,
  fanoutConnections: 1_000,
  brokerMessages: 30_000,
  amqpMessages: 10_000,
  endToEndRates: [20, 200],
  endToEndSeconds: 3,
  endToEndClients: 200,
  startups: 1,
  profile: false,
};
