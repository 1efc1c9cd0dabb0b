import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { spawnRunner } from '../../infra/commandRunner.js';
import { runDeploy } from '../../infra/runDeploy.js';

export type Scenario = 'fresh' | 'existing' | 'not-signed-in' | 'no-extension' | 'name-taken' | 'publish-fails';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const topologyFile = path.join(repoRoot, 'servicebus.config.json');
/** A well-formed account key, so the masking has to recognise it rather than a marker string. */
export const SECRET = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWJlLXByaW50ZWQtYW55d2hlcmU=';

export type DeployRun = {
  code: number;
  output: string;
  /** argv of every `az` call, in order. */
  calls: string[][];
  probed: string[];
  artifacts: string;
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

/** Runs the deployment program against the recording fake `az` (first on PATH), as the real runner would. */
export async function deployWithFakeAz(
  ws: Workspace,
  argv: string[],
  scenario: Scenario,
  input: string[] = [],
): Promise<DeployRun> {
  const log = path.join(ws.dir, `az-calls-${scenario}.jsonl`);
  const artifacts = path.join(ws.dir, `artifacts-${scenario}`);
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(log, '');
  const lines: string[] = [];
  const probed: string[] = [];
  const code = await runDeploy(['--app-dir', ws.dir, '--topology', topologyFile, ...argv], {
    run: spawnRunner({
      ...process.env,
      PATH: `${fixtures}${path.delimiter}${process.env.PATH ?? ''}`,
      FAKE_AZ_LOG: log,
      FAKE_AZ_SCENARIO: scenario,
      FAKE_AZ_ARTIFACTS: artifacts,
      FAKE_AZ_SECRET: SECRET,
    }),
    out: (line) => lines.push(line),
    input: Readable.from(input),
    sleep: () => Promise.reject(new Error('the deployment waited, but nothing asked it to')),
    httpStatus: async (url) => {
      probed.push(url);
      return 401;
    },
  });
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as string[]);
  return { code, output: lines.join('\n'), calls, probed, artifacts };
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
