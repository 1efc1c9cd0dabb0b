import { watch, type FSWatcher } from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../infra/core/clock.js';
import { spawnRunner, type CommandRunner } from '../../infra/core/commandRunner.js';
import type { HttpProbe, HttpRequest } from '../../infra/core/context.js';
import { runDeploy } from '../../infra/runDeploy.js';
import { az, type AzShellEnv } from './fixtures/azShell.mjs';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const topologyFile = path.join(repoRoot, 'servicebus.config.json');
/** A well-formed account key, so the masking has to recognise it rather than a marker string. */
export const SECRET = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWJlLXByaW50ZWQtYW55d2hlcmU=';
export const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000aa';
export const TENANT = '00000000-0000-0000-0000-0000000000bb';
export const DEPLOYER = '00000000-0000-0000-0000-0000000000cc';

/** The simulated subscription (test/infra/fixtures/world.mjs); loosely typed, as tests poke at any part of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type World = Record<string, any>;

/** An empty subscription, signed in, with a current CLI and the authV2 extension. */
export function emptyWorld(): World {
  return {
    cli: { version: '2.81.0', extensions: { authV2: '1.2.0' } },
    account: { id: SUBSCRIPTION, tenantId: TENANT, user: { name: 'dev@example.com', type: 'user' } },
    deployerObjectId: DEPLOYER,
    regions: ['eastus', 'swedencentral', 'westeurope'],
    taken: [],
    secret: SECRET,
    groups: {},
    storage: {},
    serviceBus: {},
    signalR: {},
    sites: {},
    roleAssignments: [],
    adApps: [],
    servicePrincipals: [],
    deployedFunctions: [
      'createOrder',
      'getOrder',
      'listOrders',
      'listProducts',
      'negotiate',
      'orderDeadLetters',
      'processOrder',
    ],
    behaviour: {
      roleDelay: 0,
      hostUnhealthyPolls: 0,
      healthCheckHangs: false,
      authNotEnforced: false,
      preflightBlocked: false,
      groupDeletePolls: 1,
    },
    counters: { ids: 0 },
  };
}

/**
 * Test time: sleeps advance it at once, and a command's bound fires when the fake `az` signals that it would
 * never return (a file `hang` in the hang directory) — so a bound is exercised without anyone waiting for it.
 */
export class VirtualClock implements Clock {
  elapsed = 0;
  /** Every bound a command was started with, in order: one per `az` call. */
  readonly bounds: number[] = [];
  private current: { ms: number; fire: () => void } | undefined;

  now(): number {
    return this.elapsed;
  }
  sleep(ms: number): Promise<void> {
    this.elapsed += ms;
    return Promise.resolve();
  }
  timeout(ms: number, fire: () => void): () => void {
    const entry = { ms, fire };
    this.bounds.push(ms);
    this.current = entry;
    return () => {
      if (this.current === entry) this.current = undefined;
    };
  }
  /** The running command hangs: its bound passes. */
  expire(): void {
    const entry = this.current;
    if (!entry) return;
    this.current = undefined;
    this.elapsed += entry.ms;
    entry.fire();
  }
}

export type DeployRun = {
  code: number;
  output: string;
  /** argv of every `az` call, in order. */
  calls: string[][];
  /** The bound of every `az` call, in order (same length as `calls`). */
  bounds: number[];
  /** Clock time the run spent waiting (sleeps and expired bounds). */
  waitedMs: number;
  /** Commands stopped at their bound. */
  hangs: number;
  requests: HttpRequest[];
  artifacts: string;
  world: World;
};

/** A throwaway directory, removed by `cleanup`. */
export class Workspace {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
  write(relative: string, content: string): void {
    const file = path.join(this.dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/**
 * A built project as `npm run build` leaves it: compiled functions, one production dependency with a nested
 * and a hoisted dependency of its own, one dev dependency that must stay out of the package, and web/dist.
 */
export function writeBuiltProject(ws: Workspace): void {
  ws.write('package.json', JSON.stringify({ name: 'app', type: 'module', main: 'dist/src/functions/*.js' }));
  ws.write('host.json', JSON.stringify({ version: '2.0' }));
  ws.write(
    'package-lock.json',
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { 'prod-dep': '1.0.0' }, devDependencies: { 'dev-dep': '1.0.0' } },
        'node_modules/prod-dep': { dependencies: { 'shared-dep': '1.0.0', 'nested-dep': '2.0.0' } },
        'node_modules/prod-dep/node_modules/nested-dep': {},
        'node_modules/nested-dep': { dev: true },
        'node_modules/shared-dep': {},
        'node_modules/dev-dep': { dev: true },
      },
    }),
  );
  ws.write('dist/src/functions/orders.js', 'export {};\n'.repeat(50));
  ws.write('dist/local/host.js', 'local stack, never deployed');
  for (const pkg of ['prod-dep', 'prod-dep/node_modules/nested-dep', 'nested-dep', 'shared-dep', 'dev-dep']) {
    ws.write(`node_modules/${pkg}/index.js`, `// ${pkg}\n`);
  }
  ws.write('web/dist/index.html', '<!doctype html><title>orders</title>');
}

/** A simulated subscription in a workspace, and the deployment program run against it through the fake `az`. */
export class FakeAzure {
  private readonly statePath: string;
  private runs = 0;

  constructor(
    readonly ws: Workspace,
    world: World = emptyWorld(),
  ) {
    this.statePath = path.join(ws.dir, 'world.json');
    this.world = world;
  }

  get world(): World {
    return JSON.parse(readFileSync(this.statePath, 'utf8')) as World;
  }
  set world(world: World) {
    writeFileSync(this.statePath, JSON.stringify(world, null, 2));
  }

  change(edit: (world: World) => void): void {
    const world = this.world;
    edit(world);
    this.world = world;
  }

  /**
   * Runs `npm run deploy -- <argv>` (with the workspace as app dir). `answers` are typed at any question;
   * `spawn` runs the fake `az` as a real process on PATH (through the real runner) instead of in process.
   */
  async run(argv: string[], options: { answers?: string[]; spawn?: boolean } = {}): Promise<DeployRun> {
    const id = ++this.runs;
    const env: AzShellEnv = {
      statePath: this.statePath,
      log: path.join(this.ws.dir, `az-calls-${id}.jsonl`),
      artifacts: path.join(this.ws.dir, `artifacts-${id}`),
    };
    mkdirSync(env.artifacts, { recursive: true });
    writeFileSync(env.log, '');
    const clock = new VirtualClock();
    const counter = { hangs: 0 };
    const spawned = options.spawn ? spawnedRunner(this.ws.dir, id, env, clock, counter) : undefined;
    const lines: string[] = [];
    const requests: HttpRequest[] = [];
    const pending = [...(options.answers ?? [])];
    try {
      const code = await runDeploy(['--app-dir', this.ws.dir, '--topology', topologyFile, ...argv], {
        run: spawned?.run ?? inProcessRunner(env, clock, counter),
        out: (line) => lines.push(line),
        ask: (question) => {
          lines.push(`? ${question}`);
          const answer = pending.shift();
          if (answer === undefined) throw new Error(`unexpected question: ${question}`);
          return Promise.resolve(answer);
        },
        clock,
        http: this.http(requests),
      });
      const calls = readFileSync(env.log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]);
      return {
        code,
        output: lines.join('\n'),
        calls,
        bounds: clock.bounds,
        waitedMs: clock.elapsed,
        hangs: counter.hangs,
        requests,
        artifacts: env.artifacts,
        world: this.world,
      };
    } finally {
      spawned?.close();
    }
  }

  /** The deployed app's front end as the world describes it: Easy Auth, CORS, stopped or running. */
  private http(requests: HttpRequest[]): HttpProbe {
    return (request) => {
      requests.push(request);
      const world = this.world;
      const name = new URL(request.url).hostname.split('.')[0]!;
      const site = world.sites[name];
      if (!site || site.state !== 'Running') return Promise.resolve({ status: 403, headers: {} });
      if (request.method === 'OPTIONS') {
        const origin = request.headers.Origin ?? '';
        if (world.behaviour.preflightBlocked) return Promise.resolve({ status: 401, headers: {} });
        const allowed = (site.cors.allowedOrigins as string[]).includes(origin);
        return Promise.resolve({ status: 204, headers: allowed ? { 'Access-Control-Allow-Origin': origin } : {} });
      }
      const auth = site.auth;
      const enforced =
        auth.platform?.enabled === true &&
        auth.globalValidation?.requireAuthentication === true &&
        auth.globalValidation?.unauthenticatedClientAction === 'Return401' &&
        !world.behaviour.authNotEnforced;
      return Promise.resolve({ status: enforced ? 401 : 200, headers: {} });
    };
  }
}

/** The command words of a call, e.g. `servicebus topic create`. */
export function commandOf(args: readonly string[]): string {
  const end = args.findIndex((arg) => arg.startsWith('-'));
  return args.slice(0, end === -1 ? args.length : end).join(' ');
}

export function flagValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

/** All values after a multi-value flag, up to the next flag. */
export function flagValues(args: readonly string[], flag: string): string[] {
  const at = args.indexOf(flag);
  if (at === -1) return [];
  const rest = args.slice(at + 1);
  const end = rest.findIndex((arg) => arg.startsWith('--'));
  return end === -1 ? rest : rest.slice(0, end);
}

/**
 * Read-only by the Azure CLI's own naming (show, list, exists, check-name, version) or an explicit GET: judged
 * here from the command line alone, independently of how the deployment classifies its calls.
 */
export function isReadOnly(args: readonly string[]): boolean {
  const words = commandOf(args).split(' ');
  const verb = words.at(-1)!;
  if (words[0] === 'rest') return flagValue(args, '--method') === 'get';
  if (commandOf(args) === 'storage blob exists') return true;
  return ['show', 'list', 'exists', 'check-name', 'version', 'list-flexconsumption-locations'].includes(verb);
}

/** The fake `az` called in process: same shell, same world, same records; a hang lets its bound pass. */
function inProcessRunner(env: AzShellEnv, clock: VirtualClock, counter: { hangs: number }): CommandRunner {
  return (_command, args, { timeoutMs }) =>
    new Promise((resolve) => {
      let partial = '';
      const cancel = clock.timeout(timeoutMs, () =>
        resolve({ code: 137, stdout: '', stderr: partial, timedOut: true }),
      );
      const result = az(args, env);
      partial = result.stderr;
      if (result.hang) {
        counter.hangs++;
        clock.expire();
        return;
      }
      cancel();
      resolve({ code: result.code, stdout: result.stdout, stderr: result.stderr });
    });
}

/**
 * The fake `az` as a real process on PATH through the real runner. When it signals that it hangs (a file in the
 * hang directory), the virtual clock lets the command's bound pass, so the runner kills it.
 */
function spawnedRunner(dir: string, id: number, env: AzShellEnv, clock: VirtualClock, counter: { hangs: number }) {
  const hangDir = path.join(dir, `hang-${id}`);
  mkdirSync(hangDir, { recursive: true });
  const watcher: FSWatcher = watch(hangDir, () => {
    const marker = path.join(hangDir, 'hang');
    if (!existsSync(marker)) return;
    unlinkSync(marker);
    counter.hangs++;
    clock.expire();
  });
  const run = spawnRunner(clock, {
    ...process.env,
    PATH: `${fixtures}${path.delimiter}${process.env.PATH ?? ''}`,
    FAKE_AZ_LOG: env.log,
    FAKE_AZ_STATE: env.statePath,
    FAKE_AZ_ARTIFACTS: env.artifacts,
    FAKE_AZ_HANG_DIR: hangDir,
  });
  return { run, close: () => watcher.close() };
}
