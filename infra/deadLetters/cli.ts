// `npm run deadletters -- list | resubmit | purge`: the dead-letter queues, locally or in Azure.
import { runDeadLetters } from './run.js';

process.exitCode = await runDeadLetters(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  cwd: process.cwd(),
});
