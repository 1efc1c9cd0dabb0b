import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureInstallSecrets, isPublicKey } from '../../local/shared/installSecrets.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = readFileSync(join(REPO, 'local.settings.sample.json'), 'utf8');
const SIGNALR_PLACEHOLDER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';
const SERVICE_BUS_PLACEHOLDER = 'SAS_KEY_VALUE';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function appDir(files: Record<string, string | object> = { 'local.settings.sample.json': SAMPLE }): string {
  const dir = mkdtempSync(join(tmpdir(), 'install-secrets-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

type Values = Record<string, string>;
const values = (dir: string): Values =>
  (JSON.parse(readFileSync(join(dir, 'local.settings.json'), 'utf8')) as { Values: Values }).Values;
const keyOf = (connectionString: string, name: 'AccessKey' | 'SharedAccessKey') =>
  new RegExp(`(?:^|;)${name}=([^;]+)`).exec(connectionString)?.[1];

describe('ensureInstallSecrets', () => {
  it('creates local.settings.json from the sample with keys of its own, readable by its owner only', () => {
    const dir = appDir();
    const outcome = ensureInstallSecrets(dir);
    expect(outcome.message).toMatch(/^Created local\.settings\.json from local\.settings\.sample\.json, with keys/);
    const created = values(dir);
    const signalrKey = keyOf(created.AzureSignalRConnectionString!, 'AccessKey')!;
    const serviceBusKey = keyOf(created.ServiceBusConnection!, 'SharedAccessKey')!;
    for (const key of [signalrKey, serviceBusKey]) {
      expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(isPublicKey(key)).toBe(false);
    }
    expect(signalrKey).not.toBe(serviceBusKey);
    // Everything else is the sample's, unchanged.
    const sample = (JSON.parse(SAMPLE) as { Values: Values; Host: unknown }).Values;
    expect(created.AzureSignalRConnectionString).toBe(
      sample.AzureSignalRConnectionString!.replace(SIGNALR_PLACEHOLDER, signalrKey),
    );
    expect(created.ServiceBusConnection).toBe(
      sample.ServiceBusConnection!.replace(SERVICE_BUS_PLACEHOLDER, serviceBusKey),
    );
    expect({ ...created, AzureSignalRConnectionString: '', ServiceBusConnection: '' }).toEqual({
      ...sample,
      AzureSignalRConnectionString: '',
      ServiceBusConnection: '',
    });
    expect(statSync(join(dir, 'local.settings.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['local.settings.json', 'local.settings.sample.json']);

    // A second install gets other keys; running again here changes nothing.
    const other = appDir();
    ensureInstallSecrets(other);
    expect(keyOf(values(other).AzureSignalRConnectionString!, 'AccessKey')).not.toBe(signalrKey);
    expect(ensureInstallSecrets(dir).message).toBeUndefined();
    expect(values(dir)).toEqual(created);
  });

  it('replaces a public placeholder in an existing file, one key per placeholder, and says so in one line', () => {
    const local = `Endpoint=http://localhost;Port=8888;AccessKey=${SIGNALR_PLACEHOLDER};Version=1.0;`;
    const dir = appDir({
      'local.settings.sample.json': SAMPLE,
      'local.settings.json': {
        IsEncrypted: false,
        Values: {
          AzureSignalRConnectionString: local,
          SecondHub: local.replace('8888', '8889'),
          ServiceBusConnection: `Endpoint=sb://localhost;SharedAccessKeyName=Root;SharedAccessKey=${SERVICE_BUS_PLACEHOLDER};UseDevelopmentEmulator=true;`,
          AzureCloud: `Endpoint=https://res.service.signalr.net;AccessKey=${SIGNALR_PLACEHOLDER};Version=1.0;`,
          Mine: 'kept as is',
        },
        Host: { CORS: 'http://localhost:5173' },
      },
    });
    const outcome = ensureInstallSecrets(dir);
    expect(outcome.message).toBe(
      'local.settings.json: replaced the public placeholder key in AzureSignalRConnectionString, SecondHub, ' +
        'ServiceBusConnection with a key generated for this install.',
    );
    expect(outcome.message).not.toContain('\n');
    const after = values(dir);
    const key = keyOf(after.AzureSignalRConnectionString!, 'AccessKey')!;
    expect(isPublicKey(key)).toBe(false);
    expect(keyOf(after.SecondHub!, 'AccessKey')).toBe(key);
    expect(isPublicKey(keyOf(after.ServiceBusConnection!, 'SharedAccessKey')!)).toBe(false);
    // Not an emulator connection string: not this file's to fix.
    expect(after.AzureCloud).toContain(SIGNALR_PLACEHOLDER);
    expect(after.Mine).toBe('kept as is');
    expect((JSON.parse(readFileSync(join(dir, 'local.settings.json'), 'utf8')) as { Host: unknown }).Host).toEqual({
      CORS: 'http://localhost:5173',
    });
  });

  it('leaves a file with keys of its own alone, byte for byte', () => {
    const text = `{"Values":{"AzureSignalRConnectionString":"Endpoint=http://localhost;Port=8888;AccessKey=mine-0123;Version=1.0;"}}`;
    const dir = appDir({ 'local.settings.sample.json': SAMPLE, 'local.settings.json': text });
    expect(ensureInstallSecrets(dir)).toEqual({ path: join(dir, 'local.settings.json') });
    expect(readFileSync(join(dir, 'local.settings.json'), 'utf8')).toBe(text);
  });

  it('treats every key the sample carries as public, and refuses a settings file that is not JSON', () => {
    const sample = {
      Values: { AzureSignalRConnectionString: 'Endpoint=http://localhost;Port=1;AccessKey=sample-key;' },
    };
    const dir = appDir({ 'local.settings.sample.json': sample, 'local.settings.json': sample });
    expect(ensureInstallSecrets(dir).message).toMatch(/replaced the public placeholder key/);
    expect(values(dir).AzureSignalRConnectionString).not.toContain('sample-key');

    const broken = appDir({ 'local.settings.json': '{"Values": ' });
    expect(() => ensureInstallSecrets(broken)).toThrow(/local\.settings\.json is not valid JSON/);
    expect(readFileSync(join(broken, 'local.settings.json'), 'utf8')).toBe('{"Values": ');
    expect(ensureInstallSecrets(appDir({}))).toEqual({ path: expect.any(String) });
  });
});

/**
 * `npm start` finds the app folder next to its compiled file, so the CLI is copied into a temporary app folder
 * (with the repository's node_modules linked in). That folder has no Functions app (no host.json): the CLI stops
 * with exit code 2 after the settings step, which is what is looked at here.
 */
describe('npm start (local/cli.ts)', () => {
  function copyOfCli(files: Record<string, string | object>): string {
    const cli = join(REPO, 'dist/local/cli.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test does) first.`);
    const dir = appDir(files);
    cpSync(join(REPO, 'dist/local'), join(dir, 'dist/local'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return dir;
  }

  function run(dir: string): Promise<{ code: number | null; output: string }> {
    const args = [
      ...['--port', '0', '--signalr-port', '0', '--azurite-port', '0', '--servicebus-port', '0'],
      ...['--in-memory', '--no-watch'],
    ];
    const child = spawn(process.execPath, [join(dir, 'dist/local/cli.js'), ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
  }

  it('creates local.settings.json with generated keys, and replaces a placeholder it finds later', async () => {
    const dir = copyOfCli({ 'local.settings.sample.json': SAMPLE });
    const first = await run(dir);
    expect(first.output).toMatch(/Created local\.settings\.json from local\.settings\.sample\.json, with keys/);
    expect(first.code).toBe(2);
    expect(first.output).toMatch(/has no host\.json, so it is not a Functions app folder/); // no app in this folder
    const key = keyOf(values(dir).AzureSignalRConnectionString!, 'AccessKey')!;
    expect(isPublicKey(key)).toBe(false);

    const second = await run(dir);
    expect(second.output).not.toMatch(/local\.settings\.json/);
    expect(keyOf(values(dir).AzureSignalRConnectionString!, 'AccessKey')).toBe(key);

    writeFileSync(join(dir, 'local.settings.json'), SAMPLE);
    const third = await run(dir);
    expect(third.output).toMatch(
      /replaced the public placeholder key in ServiceBusConnection, AzureSignalRConnectionString/,
    );
    expect(isPublicKey(keyOf(values(dir).AzureSignalRConnectionString!, 'AccessKey')!)).toBe(false);
  });
});
