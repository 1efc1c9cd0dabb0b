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
  unmount(): void;
};

/**
 * A small tmpfs of its own, to run out of disk space for real: `mount -t tmpfs -o size=…` needs root (or
 * CAP_SYS_ADMIN). Returns why not where the machine cannot mount one, so the test can skip saying so.
 */
export function mountTmpfs(sizeBytes: number): Tmpfs | { unavailable: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    return { unavailable: `cannot mount a tmpfs here (${reason || 'mount failed'}); needs root or CAP_SYS_ADMIN` };
  }
  const free = () => {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  };
  return {
    dir,
    free,
    fill(name, leaveBytes = 0) {
      const path = join(dir, name);
      writeFileSync(path, Buffer.alloc(Math.max(0, free() - leaveBytes)));
      return path;
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
