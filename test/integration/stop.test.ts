import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_DIR, EMULATOR_SETTINGS, pollUntil, withDeadline } from '../support/stack.js';

const FLAGS = [
  ...['--port', '0', '--signalr-port', '0', '--azurite-port', '0', '--servicebus-port', '0'],
  ...['--in-memory', '--no-watch'],
];
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** Starts `command` and waits for the stack's banner; returns the ports it printed. */
async function start(
  command: string,
  args: string[],
): Promise<{ child: ChildProcess; ports: number[]; output(): string }> {
  const child = spawn(command, args, {
    cwd: APP_DIR,
    env: { ...process.env, ...EMULATOR_SETTINGS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const banner = new Promise<number[]>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const urls = ['Web client \\+ API', 'SignalR service', 'Azurite tables'].map((label) =>
        new RegExp(`${label}\\s+http://[^:]+:(\\d+)`).exec(output),
      );
      if (urls.every(Boolean)) resolve(urls.map((m) => Number(m![1])));
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}) before the banner:\n${output}`)));
  });
  const ports = await withDeadline(banner, 60_000, `${command} to print the stack's banner`);
  return { child, ports, output: () => output };
}

/** Every process below `root`, from /proc (Linux). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}

/** Gone, or a zombie waiting for a reaper: it runs nothing and holds nothing. */
function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Waits until every process below the starter has ended and every port of the stack is free. */
async function expectStopped(pids: number[], ports: number[]): Promise<void> {
  await pollUntil(
    async () => {
      const free = await Promise.all(ports.map(portIsFree));
      return free.every(Boolean) && pids.every(isGone) ? true : undefined;
    },
    { timeoutMs: 20_000, what: `processes ${pids.join(', ')} to end and ports ${ports.join(', ')} to be free` },
  );
}

describe('stopping means stopped', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'stops the stack, its Azurite child and its ports when npm start gets %s',
    async (signal) => {
      const npm = await start('npm', ['start', '--', ...FLAGS]);
      const below = descendants(npm.child.pid!);
      expect(below.length).toBeGreaterThanOrEqual(3); // sh, the stack's node, Azurite's node
      npm.child.kill(signal);
      await expectStopped(below, npm.ports);
    },
  );

  it.each(['SIGTERM', 'SIGINT'] as const)('exits cleanly (code 0) on %s to the stack itself', async (signal) => {
    const cli = await start(process.execPath, [join(APP_DIR, 'dist', 'local', 'cli.js'), ...FLAGS]);
    const below = descendants(cli.child.pid!);
    const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (code) => resolve(code)));
    cli.child.kill(signal);
    expect(await withDeadline(exited, 20_000, 'the stack to exit')).toBe(0);
    expect(cli.output()).toContain(`${signal}: stopping the local stack`);
    await expectStopped(below, cli.ports);
  });
});
