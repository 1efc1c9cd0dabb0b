#!/usr/bin/env node
// Entry point of `npm run deploy` / `npm run teardown` (compiled to dist/infra/deploy.js).
import { systemClock } from './core/clock.js';
import { spawnRunner } from './core/commandRunner.js';
import { runDeploy } from './runDeploy.js';

process.exitCode = await runDeploy(process.argv.slice(2), {
  run: spawnRunner(systemClock),
  out: (line) => process.stdout.write(`${line}\n`),
});
