import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllowedHosts } from '../shared/hostHeader.js';
import { ensureInstallSecrets, generateKey, isPublicKey, SETTINGS_FILE } from '../shared/installSecrets.js';
import { localSignalR } from './connectionString.js';
import { startSignalRService, type SignalRService } from './service.js';

const SETTING = 'AzureSignalRConnectionString';

const USAGE = `Usage: npm run signalr -- [options]

Runs the local Azure SignalR Service stand-in on its own, e.g. next to a real \`func start\`.

Options:
  --port <n>           Port to listen on (default 8888; 0 = a free port)
  --access-key <key>   AccessKey that signs tokens and upstream signatures (default: the AccessKey of
                       ${SETTING} in local.settings.json — created from local.settings.sample.json
                       with a generated key when missing — else a key generated for this run)
  --upstream <url>     Where connected/disconnected/message events go
                       (default http://localhost:7071/runtime/webhooks/signalr)
  --data-dir <dir>     Where user-group memberships are kept (default .local/signalr)
  --allowed-hosts <h>  Host names to answer besides localhost and loopback addresses (comma-separated;
                       '.example.test' allows its subdomains too). Others are refused against DNS rebinding
  -h, --help           Show this help`;

class UsageError extends Error {}

type Config = {
  port: number;
  accessKey: string;
  keySource: string;
  upstream: string;
  dataDir: string;
  corsOrigins: string[];
  allowedHosts: string[];
};

type Settings = { Values?: Record<string, unknown>; Host?: { CORS?: unknown } };

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

/** local.settings.json in `dir` (after its placeholder keys were replaced), if there is one. */
function readSettings(dir: string): Settings | undefined {
  const path = join(dir, SETTINGS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Settings;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The AccessKey of a local ${SETTING}; a public placeholder (passed in some other way) is never taken. */
function accessKeyFromSettings(settings: Settings | undefined): string | undefined {
  const value = settings?.Values?.[SETTING];
  const key = typeof value === 'string' ? localSignalR(value)?.accessKey : undefined;
  return key !== undefined && !isPublicKey(key) ? key : undefined;
}

/** Host.CORS of the settings, as the Functions host reads it: comma-separated origins. */
function corsFromSettings(settings: Settings | undefined): string[] {
  const cors = settings?.Host?.CORS;
  if (cors === undefined) return [];
  if (typeof cors !== 'string') throw new UsageError(`Host.CORS in ${SETTINGS_FILE} must be a string of origins.`);
  return cors
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
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
        'allowed-hosts': { type: 'string', multiple: true, default: [] },
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
  const port = values.port === undefined ? 8888 : parsePort(values.port);
  let allowedHosts: string[];
  try {
    allowedHosts = parseAllowedHosts(values['allowed-hosts']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const upstream = parseUpstream(values.upstream ?? 'http://localhost:7071/runtime/webhooks/signalr');
  const installed = ensureInstallSecrets(cwd);
  if (installed.message) process.stdout.write(`${installed.message}\n`);
  const settings = readSettings(cwd);
  const fromSettings = accessKeyFromSettings(settings);
  const flag = values['access-key'];
  return {
    port,
    accessKey: flag ?? fromSettings ?? generateKey(),
    keySource: flag
      ? `--access-key${isPublicKey(flag) ? ' (a public key: anybody can mint tokens for this service)' : ''}`
      : fromSettings
        ? `${SETTINGS_FILE} (${SETTING})`
        : `generated for this run (no ${SETTINGS_FILE} here with a local ${SETTING})`,
    upstream,
    dataDir: resolve(cwd, values['data-dir'] ?? join('.local', 'signalr')),
    corsOrigins: corsFromSettings(settings),
    allowedHosts,
  };
}

function banner(service: SignalRService, config: Config): string {
  const cors = config.corsOrigins.join(', ') || `no browser origin (list them in Host.CORS of ${SETTINGS_FILE})`;
  return [
    `Local Azure SignalR Service listening on ${service.url}`,
    `  clients   ${service.url}/client/?hub=<hub>`,
    `  REST API  ${service.url}/api/…`,
    `  upstream  ${config.upstream}`,
    `  key from  ${config.keySource}`,
    `  CORS      ${cors}`,
    `  hosts     ${['localhost and loopback addresses', ...config.allowedHosts].join(', ')}`,
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
      corsOrigins: config.corsOrigins,
      allowedHosts: config.allowedHosts,
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
