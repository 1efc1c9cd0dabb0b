import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HttpTransportType, HubConnectionBuilder, LogLevel, type HubConnection } from '@microsoft/signalr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintClientAccessToken, verifyUpstreamSignature } from '../../local/signalr/index.js';

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

  it('falls back to local.settings.sample.json for the access key', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'local.settings.sample.json'),
      JSON.stringify({
        Values: {
          AzureSignalRConnectionString: `Endpoint=http://localhost;Port=8888;AccessKey=sample-key;Version=1.0;`,
        },
      }),
    );
    const cli = run(['--port', '0', '--data-dir', join(cwd, 'state')], cwd);
    const [, key] = await waitFor(cli, /AccessKey=([^;]+);/);
    expect(key).toBe('sample-key');
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
    const info = mintClientAccessToken({ endpoint: url!, accessKey: KEY, hub: 'chat', userId: 'erin' });
    const connection = new HubConnectionBuilder()
      .withUrl(info.url.replace('localhost', '127.0.0.1'), {
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
  ])('exits 2 with a clear message for %j', async (args, message) => {
    const cli = run(args, tempDir());
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(message);
    expect(cli.output()).toContain('Usage: npm run signalr');
  });
});
