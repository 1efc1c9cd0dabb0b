import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HttpTransportType, HubConnectionBuilder, LogLevel, type HubConnection } from '@microsoft/signalr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintClientAccessToken, verifyUpstreamSignature } from '../../local/signalr/index.js';
import { rawRequest } from '../host/helpers/rawHttp.js';

/** `npm run signalr` runs this compiled file; `npm test` builds it first. */
const CLI = fileURLToPath(new URL('../../dist/local/signalr/cli.js', import.meta.url));
const KEY = 'cli-test-key-0123456789abcdefghijklmnopqrstuv';

type Cli = {
  child: ChildProcessByStdio<null, Readable, Readable>;
  output: () => string;
  exited: Promise<number | null>;
};

const children: Cli[] = [];
const dirs: string[] = [];
const servers: Server[] = [];
const connections: HubConnection[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'signalr-cli-'));
  dirs.push(dir);
  return dir;
}

function run(args: string[], cwd: string): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cli = { child, output: () => output, exited };
  children.push(cli);
  return cli;
}

/** Resolves with the first match of `pattern` in the output; rejects if the process exits first. */
function waitFor(cli: Cli, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(cli.output());
      if (!match) return;
      cli.child.stdout.off('data', check);
      resolve(match);
    };
    cli.child.stdout.on('data', check);
    void cli.exited.then((code) => reject(new Error(`the CLI exited (${code}) first:\n${cli.output()}`)));
    check();
  });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does) first.`);
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.stop()));
  for (const cli of children.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    await cli.exited;
  }
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm run signalr (local/signalr/cli.ts)', () => {
  it('serves /api/health, prints the connection string with the key from local.settings.json, stops on SIGINT', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'local.settings.json'),
      JSON.stringify({
        Values: { AzureSignalRConnectionString: `Endpoint=http://localhost;Port=8888;AccessKey=${KEY};Version=1.0;` },
      }),
    );
    const cli = run(['--port', '0', '--data-dir', join(cwd, 'state')], cwd);
    const [, connectionString, port] = await waitFor(
      cli,
      /(Endpoint=http:\/\/localhost;Port=(\d+);AccessKey=\S+;Version=1\.0;)/,
    );
    expect(connectionString).toContain(`AccessKey=${KEY};`);

    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(existsSync(join(cwd, 'state'))).toBe(true);
  });

  it('creates local.settings.json from the sample with a generated key, and signs with that key', async () => {
    const cwd = tempDir();
    const placeholder = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';
    writeFileSync(
      join(cwd, 'local.settings.sample.json'),
      JSON.stringify({
        Values: {
          AzureSignalRConnectionString: `Endpoint=http://localhost;Port=8888;AccessKey=${placeholder};Version=1.0;`,
        },
      }),
    );
    const cli = run(['--port', '0', '--data-dir', join(cwd, 'state')], cwd);
    const [, key] = await waitFor(cli, /AccessKey=([^;]+);Version/);
    expect(cli.output()).toMatch(/Created local\.settings\.json from local\.settings\.sample\.json, with keys/);
    expect(cli.output()).toMatch(/key from {2}local\.settings\.json/);
    expect(key).not.toBe(placeholder);
    const settings = JSON.parse(readFileSync(join(cwd, 'local.settings.json'), 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(settings.Values.AzureSignalRConnectionString).toContain(`AccessKey=${key};`);
  });

  it('replaces the public placeholder in an existing local.settings.json, saying so', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'local.settings.json'),
      JSON.stringify({
        Values: {
          AzureSignalRConnectionString:
            'Endpoint=http://localhost;Port=8888;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;',
        },
      }),
    );
    const cli = run(['--port', '0', '--data-dir', join(cwd, 'state')], cwd);
    const [, key] = await waitFor(cli, /AccessKey=([^;]+);Version/);
    expect(cli.output()).toMatch(/replaced the public placeholder key in AzureSignalRConnectionString/);
    expect(key).not.toMatch(/^ABCDEFGH/);
    expect(readFileSync(join(cwd, 'local.settings.json'), 'utf8')).toContain(`AccessKey=${key};`);
  });

  it('signs with a key made for this run when there are no settings, never the public one', async () => {
    const cwd = tempDir();
    const cli = run(['--port', '0', '--data-dir', join(cwd, 'state')], cwd);
    const [, key] = await waitFor(cli, /AccessKey=([^;]+);Version/);
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(cli.output()).toMatch(/key from {2}generated for this run/);
    expect(existsSync(join(cwd, 'local.settings.json'))).toBe(false);
  });

  it('answers CORS for the origins in Host.CORS of local.settings.json, and no other', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'local.settings.json'),
      JSON.stringify({ Values: {}, Host: { CORS: 'http://localhost:5173, http://localhost:7071' } }),
    );
    const cli = run(['--port', '0', '--access-key', KEY, '--data-dir', join(cwd, 'state')], cwd);
    const [, url] = await waitFor(cli, /listening on (http:\/\/localhost:\d+)/);
    expect(cli.output()).toMatch(/CORS {6}http:\/\/localhost:5173, http:\/\/localhost:7071/);
    const preflight = (origin: string) =>
      fetch(`${url!.replace('localhost', '127.0.0.1')}/client/negotiate?hub=chat`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    const listed = await preflight('http://localhost:5173');
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await preflight('http://evil.example')).status).toBe(403);
  });

  it('answers local host names and those of --allowed-hosts, and refuses others with 403', async () => {
    const cwd = tempDir();
    const args = ['--port', '0', '--access-key', KEY, '--data-dir', cwd, '--allowed-hosts', 'orders.test,.dev.test'];
    const cli = run(args, cwd);
    const [, port] = await waitFor(cli, /listening on http:\/\/localhost:(\d+)/);
    expect(cli.output()).toMatch(/hosts {5}localhost and loopback addresses, orders\.test, \.dev\.test/);
    const health = (host: string) =>
      rawRequest(Number(port), `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    for (const host of [`localhost:${port}`, '127.0.0.1', 'orders.test', 'app.dev.test']) {
      expect((await health(host)).status).toBe(200);
    }
    const refused = await health('evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  });

  it('posts upstream events, signed with --access-key, to --upstream', async () => {
    const calls: IncomingMessage[] = [];
    let onCall: () => void = () => undefined;
    const upstream = createServer((req, res) => {
      calls.push(req);
      req.resume();
      res.writeHead(200).end();
      onCall();
    });
    servers.push(upstream);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/runtime/webhooks/signalr`;

    const cwd = tempDir();
    const cli = run(['--port', '0', '--access-key', KEY, '--upstream', upstreamUrl, '--data-dir', cwd], cwd);
    const [, url] = await waitFor(cli, /listening on (http:\/\/localhost:\d+)/);
    const info = await mintClientAccessToken({ endpoint: url!, accessKey: KEY, hub: 'chat', userId: 'erin' });
    const connection = new HubConnectionBuilder()
      .withUrl(info.url, {
        transport: HttpTransportType.WebSockets,
        accessTokenFactory: () => info.accessToken,
      })
      .configureLogging(LogLevel.None)
      .build();
    connections.push(connection);
    const called = new Promise<void>((resolve) => (onCall = resolve));
    await connection.start();
    await called;

    const connected = calls[0]!;
    expect(connected.url).toBe('/runtime/webhooks/signalr');
    expect(connected.headers).toMatchObject({
      'x-asrs-event': 'connected',
      'x-asrs-user-id': 'erin',
      'x-asrs-hub': 'chat',
    });
    const signature = connected.headers['x-asrs-signature'] as string;
    expect(verifyUpstreamSignature(signature, connection.connectionId!, [KEY])).toBe(true);
  });

  it.each([
    [['--port', 'eighty'], /--port must be a number/],
    [['--port', '70000'], /--port must be a number/],
    [['--upstream', 'ftp://localhost/x'], /--upstream must be an http or https URL/],
    [['--upstream', 'not a url'], /--upstream must be an absolute/],
    [['--access-key', ''], /--access-key must not be empty/],
    [['--colour'], /Unknown option '--colour'/],
    [['--allowed-hosts', 'evil.example/x'], /--allowed-hosts takes host names/],
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const cli = run(args, tempDir());
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(message);
    expect(cli.output()).toContain('Usage: npm run signalr');
  });
});
