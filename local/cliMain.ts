import './earlyWorker.js';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllowedHosts } from './shared/hostHeader.js';
import { ensureInstallSecrets } from './shared/installSecrets.js';
import { watchParent } from './shared/parentWatch.js';
import {
  bannerLines,
  checkScriptRoot,
  ScriptRootError,
  startLocalServices,
  startLocalStack,
  type LocalServices,
} from './stack/index.js';

const USAGE = `Usage: npm start -- [options]

Runs a Functions app locally with what it needs: the Functions host with Easy Auth emulation, and — only
when the app uses them — Azurite, the Service Bus stand-in and the SignalR service stand-in.

Options:
  --script-root <dir>  The Node.js Functions app folder to run (host.json, package.json main,
                       local.settings.json, servicebus.config.json), as with func start; relative
                       to the current directory. Default: this repository's app
  --port <n>           Functions host port (default: local.settings.json Host.LocalHttpPort, else 7071)
  --signalr-port <n>   SignalR service port (default 8888)
  --azurite-port <n>   Azurite table service port (default 10002, or a free port when taken); an
                       Azurite already listening on a port given here is used instead of one of ours
  --reuse-azurite      Use an Azurite already listening on the Azurite port (its own data and
                       persistence: --data-dir, --in-memory and the crash guarantee do not apply)
  --servicebus-port <n>
                       Service Bus AMQP port (default 5672)
  --services           Start only the services (Azurite, SignalR, Service Bus) the app's settings and
                       servicebus.config.json name, for a real \`func start\` (\`npm run services\`)
  --data-dir <dir>     Where local state lives (default <script root>/.local)
  --in-memory          Keep all state in memory; nothing survives a restart
  --allowed-hosts <h>  Host names to answer besides localhost and loopback addresses (comma-separated;
                       '.example.test' allows its subdomains too). Others are refused against DNS rebinding
  --no-watch           Do not reload the app when its compiled files change
  --verbose            Show the host's system messages
  -h, --help           Show this help`;

/** Bad input: exit code 2, with the usage when the flags themselves were wrong. */
function fail(message: string, usage = true): never {
  process.stderr.write(usage ? `${message}\n\n${USAGE}\n` : `${message}\n`);
  process.exit(2);
}

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) fail(`${flag} must be a port number from 0 to 65535, got "${value}".`);
  return n;
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        'script-root': { type: 'string' },
        'signalr-port': { type: 'string' },
        'azurite-port': { type: 'string' },
        'servicebus-port': { type: 'string' },
        services: { type: 'boolean', default: false },
        'reuse-azurite': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean', default: false },
        'allowed-hosts': { type: 'string', multiple: true, default: [] },
        watch: { type: 'boolean', default: true },
        'no-watch': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail((error as Error).message);
  }
}

/** This repository's own app, run when no --script-root is given. */
const REPO_APP = fileURLToPath(new URL('../..', import.meta.url));

/** The app folder to run: --script-root against the caller's working directory, as func start takes it. */
function scriptRoot(value: string | undefined): string {
  const dir = value === undefined ? REPO_APP : resolve(process.cwd(), value);
  try {
    checkScriptRoot(dir);
  } catch (error) {
    if (error instanceof ScriptRootError)
      fail(value === undefined ? error.message : `--script-root: ${error.message}`, false);
    throw error;
  }
  return dir;
}

async function main(): Promise<void> {
  const flags = parse();
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const ownApp = flags['script-root'] === undefined || resolve(flags['script-root']) === resolve(REPO_APP);
  // Only this app's settings are given keys of this install; another app's folder is left as it is.
  if (ownApp) installSecrets(REPO_APP);
  const appDir = scriptRoot(flags['script-root']);
  const hosts = allowedHosts(flags['allowed-hosts']);
  if (flags.services && flags.port !== undefined) {
    fail('--port sets the local Functions host, which --services does not start (func start uses Host.LocalHttpPort).');
  }
  const starting = (flags.services ? startLocalServices : startLocalStack)({
    appDir,
    port: port(flags.port, '--port'),
    servicebusPort: port(flags['servicebus-port'], '--servicebus-port'),
    signalrPort: port(flags['signalr-port'], '--signalr-port'),
    azuritePort: port(flags['azurite-port'], '--azurite-port'),
    reuseAzurite: flags['reuse-azurite'],
    dataDir: flags['data-dir'],
    inMemory: flags['in-memory'],
    allowedHosts: hosts,
    watch: flags.watch && !flags['no-watch'],
    verbose: flags.verbose,
  });
  // Listening from the start: a stop asked for while the stack starts waits for it, then stops it.
  stopWhenAsked(starting);
  let stack: LocalServices;
  try {
    stack = await starting;
  } catch (error) {
    process.stderr.write(`\nThe local stack could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const state = flags['in-memory']
    ? 'in memory'
    : `durable, ${relative(process.cwd(), flags['data-dir'] ?? join(appDir, '.local')) || '.'}`;
  const lines = bannerLines(stack, { withHost: !flags.services, state });
  process.stdout.write(['', ...lines, '', 'Press Ctrl+C to stop.', ''].join('\n'));
}

function installSecrets(appDir: string): void {
  try {
    const installed = ensureInstallSecrets(appDir);
    if (installed.message) process.stdout.write(`${installed.message}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}

/** How long a stop may take before the process exits anyway, so a stuck part never keeps the ports. */
const STOP_DEADLINE_MS = 15_000;

/** Stops on SIGINT, SIGTERM and SIGHUP, and when whatever started the stack (npm, a task runner) has gone. */
function stopWhenAsked(starting: Promise<LocalServices>): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`\n${why}: stopping the local stack (Ctrl+C again to force)...\n`);
    setTimeout(() => {
      process.stderr.write(`The local stack did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    void starting.then(
      (stack) => stack.dispose().then(() => process.exit(0)),
      () => undefined, // start-up failed: main reports it and exits
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  watchParent((why) => stop(why.charAt(0).toUpperCase() + why.slice(1)));
}

function allowedHosts(values: string[]): string[] {
  try {
    return parseAllowedHosts(values);
  } catch (error) {
    fail((error as Error).message);
  }
}

/** Settles once the stack is up (or the usage printed): the entry (`cli.ts`) writes V8's code cache then. */
export const started = main();
