import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Tmpfs = {
  dir: string;
  /** Bytes still free on it. */
  free(): number;
  /** Fills it with a file `name` until only about `leaveBytes` are free; returns the file's path. */
  fill(name: string, leaveBytes?: number): string;
};

function mount(sizeBytes: number): { dir: string; unmount(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    unmount() {
      // Lazy: a process still holding a file there does not keep the test from cleaning up.
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Why this machine cannot mount a tmpfs of its own (`mount -t tmpfs` needs root or CAP_SYS_ADMIN), or undefined
 * if it can: found once by mounting and unmounting a small one, so tests can skip saying why.
 */
export const tmpfsUnavailable: string | undefined = (() => {
  try {
    mount(64 * 1024).unmount();
    return undefined;
  } catch (error) {
    const reason = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    return `cannot mount a tmpfs here (${reason || 'mount failed'}); needs root or CAP_SYS_ADMIN`;
  }
})();

/** Runs `use` with a small tmpfs of its own, to run out of disk space for real; unmounts it afterwards. */
export async function withTmpfs<T>(sizeBytes: number, use: (disk: Tmpfs) => Promise<T>): Promise<T> {
  const { dir, unmount } = mount(sizeBytes);
  const free = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  try {
    return await use({
      dir,
      free,
      fill(name, leaveBytes = 0) {
        const path = join(dir, name);
        writeFileSync(path, Buffer.alloc(Math.max(0, free() - leaveBytes)));
        return path;
      },
    });
  } finally {
    unmount();
  }
}

/** The test name with the reason it is skipped, when it is. */
export function tmpfsTestName(name: string): string {
  return tmpfsUnavailable ? `${name} (skipped: ${tmpfsUnavailable})` : name;
}
