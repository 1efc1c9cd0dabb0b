import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/shared/freePort.js';
import { CLI } from '../support/cliStack.js';
import { withDeadline } from '../support/stack.js';
import { appFolder, httpTimerApp, listening, type AppFolder } from './helpers/appFolder.js';

/** The CLI with the real environment minus this repository's settings, run from `cwd`. */
function cli(args: string[], cwd: string) {
  return spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('npm start -- --script-root <another app>', () => {
  let app: AppFolder;
  let child: ReturnType<typeof cli>;
  let output = '';
  let exited: Promise<number | null>;
  let ports: { signalr: number; servicebus: number };
  let functionsUrl: string;

  beforeAll(async () => {
    app = httpTimerApp('cli');
    ports = { signalr: await freePort(), servicebus: await freePort() };
    // A path relative to the caller's working directory, as func start takes it.
    child = cli(
      [
        ...['--script-root', app.name, '--port', '0', '--azurite-port', '0', '--in-memory', '--no-watch'],
        ...['--signalr-port', String(ports.signalr), '--servicebus-port', String(ports.servicebus)],
      ],
      app.parent,
    );
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const banner = new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const url = /Web client \+ API\s+(http:\/\/\S+?)\/\s/.exec(output)?.[1];
        if (url && output.includes('Press Ctrl+C')) resolve(url.replace('localhost', '127.0.0.1'));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`The CLI exited (${code}) before its banner:\n${output}`)));
    });
    functionsUrl = await withDeadline(banner, 30_000, 'the CLI to print its banner');
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    app?.remove();
  });

  it("serves the app's HTTP route, anonymously as func start does, from the app's folder", async () => {
    const response = await fetch(`${functionsUrl}/api/hello`);
    expect(response.status).toBe(200);
    // The worker was started before the stack knew the app (run from another folder), then given its settings.
    expect(await response.json()).toEqual({ message: 'Hello, cli!', cwd: app.dir, startedAs: 'placeholder' });
  });

  it('says in its banner what it started and why, and opens neither the SignalR nor the Service Bus port', async () => {
    expect(output).toMatch(/SignalR service\s+not started: no function has a SignalR binding/);
    expect(output).toMatch(/Service Bus\s+not started: no function has a Service Bus binding/);
    expect(output).toMatch(/Azurite tables\s+http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\n/);
    expect(output).toMatch(/why: the setting\(s\) AzureWebJobsStorage name Azurite; used by tick \(timerTrigger\)/);
    expect(await listening(ports.signalr)).toBe(false);
    expect(await listening(ports.servicebus)).toBe(false);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    expect(await withDeadline(exited, 20_000, 'the CLI to stop')).toBe(0);
  });
});

describe('a --script-root that is not a Functions app', () => {
  let app: AppFolder;
  beforeAll(() => {
    app = appFolder('http-timer-app', { IsEncrypted: false, Values: {} });
    mkdirSync(join(app.parent, 'empty'));
    mkdirSync(join(app.parent, 'old-host'));
    writeFileSync(join(app.parent, 'old-host', 'host.json'), '{ "version": "1.0" }');
  });
  afterAll(() => app?.remove());

  const run = (scriptRoot: string) => {
    const result = spawnSync(process.execPath, [CLI, '--script-root', scriptRoot, '--in-memory'], {
      cwd: app.parent,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: result.status, stderr: result.stderr };
  };

  it.each([
    ['missing', 'does not exist'],
    ['empty', 'has no host.json, so it is not a Functions app folder'],
    ['old-host', "has a host.json the host refuses: '1.0' is an invalid value for host.json 'version'"],
    ['http-timer-app/greeting.txt', 'is not a folder'],
  ])('%s: exit code 2 with a message naming the folder', (scriptRoot, message) => {
    const { status, stderr } = run(scriptRoot);
    expect(status).toBe(2);
    expect(stderr).toContain(`--script-root: The script root ${join(app.parent, scriptRoot)} ${message}`);
    expect(stderr).not.toContain('Usage:');
  });
});
