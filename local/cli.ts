import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllowedHosts } from './shared/hostHeader.js';
import { ensureInstallSecrets } from './shared/installSecrets.js';
import { watchParent } from './shared/parentWatch.js';
import { startLocalServices, startLocalStack, type LocalServices } from './stack/index.js';

const USAGE = `Usage: npm start -- [options]

Runs the Functions app locally with everything it needs: Functions host, Service Bus stand-in, SignalR
service stand-in, Easy Auth emulation and Azurite.

Options:
  --port <n>           Functions host port (default: local.settings.json Host.LocalHttpPort, else 7071)
  --signalr-port <n>   SignalR service port (default 8888)
  --azurite-port <n>   Azurite table service port (default 10002, or a free port when taken); an
                       Azurite already listening on a port given here is used instead of one of ours
  --reuse-azurite      Use an Azurite already listening on the Azurite port (its own data and
                       persistence: --data-dir, --in-memory and the crash guarantee do not apply)
  --servicebus-port <n>
                       Service Bus AMQP port (default 5672)
  --services           Start only Azurite, SignalR and Service Bus, for a real \`func start\`
                       (\`npm run services\`)
  --data-dir <dir>     Where local state lives (default .local)
  --in-memory          Keep all state in memory; nothing survives a restart
  --allowed-hosts <h>  Host names to answer besides localhost and loopback addresses (comma-separated;
                       '.example.test' allows its subdomains too). Others are refused against DNS rebinding
  --no-watch           Do not reload the app when its compiled files change
  --verbose            Show the host's system messages
  -h, --help           Show this help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
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

async function main(): Promise<void> {
  const flags = parse();
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const appDir = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const installed = ensureInstallSecrets(appDir);
    if (installed.message) process.stdout.write(`${installed.message}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }

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

  const dataDir = flags['in-memory']
    ? 'in memory'
    : `durable, ${relative(process.cwd(), flags['data-dir'] ?? join(appDir, '.local')) || '.'}`;
  const functionsUrl = stack.urls.functions.replace('127.0.0.1', 'localhost');
  const lines = flags.services
    ? [`  Functions host     not started: run \`func start\` (it serves ${functionsUrl})`]
    : [`  Web client + API   ${functionsUrl}/  (API under /api, sign-in under /.auth)`];
  lines.push(
    `  SignalR service    ${stack.signalr.url}`,
    `  Service Bus        ${stack.urls.servicebus} (AMQP; ${dataDir})`,
    `  Azurite tables     ${stack.urls.tableService}`,
  );
  if (!flags.services) {
    lines.push(
      `  Inspector          ${functionsUrl}/_local/#key=${encodeURIComponent(stack.masterKey)}`,
      `  Health             ${functionsUrl}/_local/health`,
      `  Master key         ${stack.masterKey}  (x-functions-key for ${functionsUrl}/admin/)`,
    );
  }
  process.stdout.write(['', ...lines, '', 'Press Ctrl+C to stop.', ''].join('\n'));
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

await main();
