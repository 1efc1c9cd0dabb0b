import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../lib/httpClient.js';
import { repoRoot } from '../lib/paths.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { median, nowMs } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

const TARGET_MS = 300;
const GIVE_UP_MS = 60_000;
const RETRY_MS = 10;

// The baseline: Node itself starting a bare http server that answers 200, launched the same way.
const BARE_SERVER =
  "const s=require('node:http').createServer((q,r)=>r.end('ok'));" +
  "s.listen(0,'127.0.0.1',()=>console.log('Health http://127.0.0.1:'+s.address().port+'/'))";

/**
 * Spawns `command` in its own process group, waits for the health URL it prints, then for that URL to answer
 * 200; returns the milliseconds from spawn to that 200 and stops the whole group.
 */
async function timeToHealthy(command: string, args: string[], cwd = repoRoot): Promise<number> {
  const start = nowMs();
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no health URL after ${GIVE_UP_MS} ms:\n${output}`)), GIVE_UP_MS);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /Health\s+(http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!.replace('//localhost', '//127.0.0.1'));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before it was healthy:\n${output}`)));
    });
    for (;;) {
      const response = await httpRequest({ method: 'GET', url }).catch(() => undefined);
      if (response?.status === 200) return nowMs() - start;
      if (nowMs() - start > GIVE_UP_MS) throw new Error(`${url} not healthy after ${GIVE_UP_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

/**
 * npm's own share: `npm start` of a package whose start script is that bare server. No `npm start` on this machine
 * can be healthy sooner, whatever the script does.
 */
async function npmBareServer(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-npm-'));
  try {
    writeFileSync(join(dir, 'server.cjs'), BARE_SERVER);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, scripts: { start: 'node server.cjs' } }));
    return await timeToHealthy('npm', ['start', '--silent'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Figure 7: `npm start` (already built) to /_local/health answering 200, against Node starting a bare server. */
export async function startup(settings: BenchSettings): Promise<FigureResult> {
  const stack: number[] = [];
  const cli: number[] = [];
  const bare: number[] = [];
  const npmBare: number[] = [];
  const withDataDir = async (command: string, args: string[]): Promise<number> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
    const flags = [
      ...['--port', '0', '--signalr-port', '0', '--azurite-port', '0', '--servicebus-port', '0'],
      ...['--data-dir', dataDir, '--no-watch'],
    ];
    try {
      return await timeToHealthy(command, [...args, ...flags]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  for (let i = 0; i < settings.startups; i++) {
    bare.push(await timeToHealthy(process.execPath, ['-e', BARE_SERVER]));
    npmBare.push(await npmBareServer());
    stack.push(await withDataDir('npm', ['start', '--silent', '--']));
    // The stack's own start, without npm and scripts/start.mjs's up-to-date check.
    cli.push(await withDataDir(process.execPath, ['dist/local/cli.js']));
  }
  const stackMs = median(stack);
  const cliMs = median(cli);
  const bareMs = median(bare);
  const npmBareMs = median(npmBare);
  return {
    id: 7,
    title: 'Start-up',
    measures: [
      {
        name: 'npm start → /_local/health 200',
        value: stackMs,
        unit: 'ms',
        baseline: { name: 'node bare server', value: bareMs },
        better: 'lower',
      },
      {
        name: 'node dist/local/cli.js → health 200',
        value: cliMs,
        unit: 'ms',
        baseline: { name: 'node bare server', value: bareMs },
        better: 'lower',
      },
      {
        name: "npm start of a bare server → 200 (npm's floor)",
        value: npmBareMs,
        unit: 'ms',
        baseline: { name: 'node bare server', value: bareMs },
        better: 'lower',
      },
    ],
    targets: [
      {
        target: `start-up ≤ ${TARGET_MS} ms`,
        met: stackMs <= TARGET_MS,
        detail:
          `median ${stackMs.toFixed(0)} ms of ${stack.length} (${stack.map((t) => t.toFixed(0)).join(', ')}); ` +
          `without npm start's build check ${cliMs.toFixed(0)} ms; npm starting a bare server ${npmBareMs.toFixed(0)} ms`,
      },
    ],
    notes: [
      `\`npm start -- --port 0 --signalr-port 0 --azurite-port 0 --servicebus-port 0 --data-dir <fresh temp dir> --no-watch\`, already ` +
        'built, timed from spawn to the first 200 of the health URL it prints (polled every 10 ms); baseline: ' +
        '`node -e` starting a bare node:http server, timed the same way. Median of ' +
        `${settings.startups}. Also timed: \`node dist/local/cli.js\` with the same flags, the stack without npm and ` +
        "scripts/start.mjs's up-to-date check (which rebuilds when it finds sources newer than dist/); and `npm start` " +
        'of a package whose start script is the bare server, the least any `npm start` takes on this machine.',
    ],
    charts: [
      {
        file: 'fig7-startup.svg',
        caption: 'Figure 7: start-up to healthy',
        svg: barChart({
          title: 'Start-up to healthy',
          unit: 'milliseconds',
          bars: [
            { label: 'node bare server', value: bareMs, baseline: true },
            { label: 'npm start', value: stackMs },
            { label: 'node dist/local/cli.js', value: cliMs },
            { label: 'npm start, bare server', value: npmBareMs },
          ],
        }),
      },
    ],
    raw: { stack, cli, bare, npmBare },
  };
}
