// Imported first by the CLI: the language worker's process starts while the rest of the stack's bundle is still
// being evaluated, and the host takes it over once it knows the app's settings (placeholderWorker.ts). Runs for
// the stack with its host only: `--services` starts no worker, `--help` nothing at all.
import { startPlaceholderWorker } from './host/workers/placeholderWorker.js';

const args = process.argv.slice(2);
if (!args.some((arg) => arg === '--services' || arg === '--help' || arg === '-h')) startPlaceholderWorker();
