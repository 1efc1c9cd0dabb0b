import { copyFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalServices, startLocalStack, type LocalServices } from './stack/index.js';

const USAGE = `Usage: npm start -- [options]

Runs the Functions app locally with everything it needs: Functions host, Service Bus stand-in, SignalR
service stand-in, Easy Auth emulation and Azurite.

Options:
  --port <n>             Functions host port (default: local.settings.json Host.LocalHttpPort, else 7071)
  --signalr-port <n>     SignalR service port (default 8888)
  --azurite-port <n>     Azurite table service port (default 10002; an Azurite already there is reused)
  --servicebus-port <n>  Service Bus AMQP port (default 5672)
  --services             Start only Azurite, SignalR and Service Bus, for a real \`func start\`
                         (\`npm run services\`)
  --data-dir <dir>       Where local state lives (default .local)
  --in-memory            Keep all state in memory; nothing survives a restart
  --no-watch             Do not reload the app when its compiled files change
  --verbose              Show the host's system messages
  -h, --help             Show this help`;

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
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean', default: false },
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
  const settings = join(appDir, 'local.settings.json');
  const sample = join(appDir, 'local.settings.sample.json');
  if (!existsSync(settings) && existsSync(sample)) {
    copyFileSync(sample, settings);
    process.stdout.write(
      'Created local.settings.json from local.settings.sample.json (it is git-ignored; edit freely).\n',
    );
  }

  if (flags.services && flags.port !== undefined) {
    fail('--port sets the local Functions host, which --services does not start (func start uses Host.LocalHttpPort).');
  }
  let stack: LocalServices;
  try {
    stack = await (flags.services ? startLocalServices : startLocalStack)({
      appDir,
      port: port(flags.port, '--port'),
      servicebusPort: port(flags['servicebus-port'], '--servicebus-port'),
      signalrPort: port(flags['signalr-port'], '--signalr-port'),
      azuritePort: port(flags['azurite-port'], '--azurite-port'),
      dataDir: flags['data-dir'],
      inMemory: flags['in-memory'],
      watch: flags.watch && !flags['no-watch'],
      verbose: flags.verbose,
    });
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
  if (!flags.services) lines.push(`  Health             ${functionsUrl}/_local/health`);
  process.stdout.write(['', ...lines, '', 'Press Ctrl+C to stop.', ''].join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local stack (Ctrl+C again to force)...\n`);
    void stack.dispose().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
