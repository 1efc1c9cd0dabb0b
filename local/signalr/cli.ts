import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localSignalR } from '../stack/emulatorSettings.js';
import { startSignalRService, type SignalRService } from './service.js';

/** The official emulator's fixed key, used when no settings file names a local SignalR connection string. */
const EMULATOR_ACCESS_KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';
const SETTING = 'AzureSignalRConnectionString';
const SETTINGS_FILES = ['local.settings.json', 'local.settings.sample.json'];

const USAGE = `Usage: npm run signalr -- [options]

Runs the local Azure SignalR Service stand-in on its own, e.g. next to a real \`func start\`.

Options:
  --port <n>           Port to listen on (default 8888; 0 = a free port)
  --access-key <key>   AccessKey that signs tokens and upstream signatures (default: the AccessKey of
                       ${SETTING} in local.settings.json, else local.settings.sample.json)
  --upstream <url>     Where connected/disconnected/message events go
                       (default http://localhost:7071/runtime/webhooks/signalr)
  --data-dir <dir>     Where user-group memberships are kept (default .local/signalr)
  -h, --help           Show this help`;

class UsageError extends Error {}

type Config = { port: number; accessKey: string; keySource: string; upstream: string; dataDir: string };

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, got "${value}".`);
  return n;
}

function parseUpstream(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--upstream must be an absolute http(s) URL, got "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--upstream must be an http or https URL, got "${value}".`);
  }
  return url.href;
}

/** The AccessKey of a local ${SETTING} in the first settings file (in the current folder) that has one. */
function accessKeyFromSettings(dir: string): { accessKey: string; source: string } | undefined {
  for (const file of SETTINGS_FILES) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    let values: Record<string, unknown> | undefined;
    try {
      values = (JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, unknown> }).Values;
    } catch (error) {
      throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
    }
    const value = values?.[SETTING];
    const local = typeof value === 'string' ? localSignalR(value) : undefined;
    if (local) return { accessKey: local.accessKey, source: `${file} (${SETTING})` };
  }
  return undefined;
}

function readConfig(argv: string[], cwd: string): Config | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'access-key': { type: 'string' },
        upstream: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values['access-key'] !== undefined && values['access-key'].trim() === '') {
    throw new UsageError('--access-key must not be empty.');
  }
  const fromSettings = values['access-key'] === undefined ? accessKeyFromSettings(cwd) : undefined;
  return {
    port: values.port === undefined ? 8888 : parsePort(values.port),
    accessKey: values['access-key'] ?? fromSettings?.accessKey ?? EMULATOR_ACCESS_KEY,
    keySource: values['access-key'] ? '--access-key' : (fromSettings?.source ?? "the official emulator's fixed key"),
    upstream: parseUpstream(values.upstream ?? 'http://localhost:7071/runtime/webhooks/signalr'),
    dataDir: resolve(cwd, values['data-dir'] ?? join('.local', 'signalr')),
  };
}

function banner(service: SignalRService, config: Config): string {
  return [
    `Local Azure SignalR Service listening on ${service.url}`,
    `  clients   ${service.url}/client/?hub=<hub>`,
    `  REST API  ${service.url}/api/…`,
    `  upstream  ${config.upstream}`,
    `  key from  ${config.keySource}`,
    `  state     ${join(config.dataDir, 'state.json')}`,
    '',
    `Put this in local.settings.json (Values.${SETTING}):`,
    `  ${service.connectionString}`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let config: Config | 'help';
  try {
    config = readConfig(process.argv.slice(2), process.cwd());
  } catch (error) {
    const usage = error instanceof UsageError ? `\n\n${USAGE}` : '';
    process.stderr.write(`${(error as Error).message}${usage}\n`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  mkdirSync(config.dataDir, { recursive: true });
  let service: SignalRService;
  try {
    service = await startSignalRService({
      port: config.port,
      accessKey: config.accessKey,
      upstream: { url: config.upstream },
      statePath: join(config.dataDir, 'state.json'),
    });
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
    process.stderr.write(
      inUse
        ? `Port ${config.port} is in use (is \`npm start\` or another SignalR emulator running?). Try --port.\n`
        : `The SignalR service did not start: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(banner(service, config));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second Ctrl+C does not wait for clients to take their Close message.
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`\n${signal}: closing connections and saving state…\n`);
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
