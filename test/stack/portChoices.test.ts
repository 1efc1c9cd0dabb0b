import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const FREE_PORT = new URL('../../dist/local/shared/freePort.js', import.meta.url).href;
const CHOICES = 600;

/** Another process (a parallel test file, a second stack) choosing `CHOICES` ports with freePort. */
async function choicesOfAnotherProcess(env: NodeJS.ProcessEnv = process.env): Promise<number[]> {
  const script =
    `const { freePort } = await import(${JSON.stringify(FREE_PORT)});` +
    `const ports = []; for (let i = 0; i < ${CHOICES}; i++) ports.push(await freePort());` +
    'console.log(JSON.stringify(ports));';
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env,
  });
  return JSON.parse(stdout) as number[];
}

describe('port choices across processes', () => {
  it('two processes choosing ports at the same time never choose the same one', async () => {
    // Random draws alone: 600 × 600 pairs over 12,768 ports share about 28 ports.
    const [first, second] = await Promise.all([choicesOfAnotherProcess(), choicesOfAnotherProcess()]);
    expect(new Set(first).size).toBe(CHOICES);
    expect(new Set(second).size).toBe(CHOICES);
    expect(first.filter((port) => second.includes(port))).toEqual([]);
  });

  it('still gives ports where it cannot keep reservations (a temporary folder it cannot create)', async () => {
    const ports = await choicesOfAnotherProcess({ ...process.env, TMPDIR: '/proc/no-such-folder' });
    expect(new Set(ports).size).toBe(CHOICES);
  });
});
