import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh']);
const CHECK_EVERY_MS = 500;

/**
 * Calls `onGone` once whatever started this process has gone away. `npm start` runs `sh -c "node …"`; a SIGTERM
 * to npm ends npm (and usually the shell) without passing the signal on, and this process is re-parented and would
 * carry on holding its ports. So the parent is watched for that re-parenting (`process.ppid` changes), and when
 * the parent is such a `sh -c` wrapper, the wrapper's own parent (npm, an editor's task runner, CI) is watched too:
 * if the wrapper is re-parented, its starter is gone. The grandparent check reads /proc, so it works on Linux only;
 * elsewhere the parent check alone applies. Returns a function that stops watching.
 */
export function watchParent(onGone: (why: string) => void): () => void {
  const parent = process.ppid;
  const starter = isShellWrapper(parent) ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    let why: string | undefined;
    if (process.ppid !== parent) why = `the process that started it (pid ${parent}) exited`;
    else if (starter !== undefined && parentOf(parent) !== starter) {
      why = `the process that started it (pid ${starter}, through a shell) exited`;
    }
    if (why === undefined) return;
    clearInterval(timer);
    onGone(why);
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function isShellWrapper(pid: number): boolean {
  try {
    const [command, flag] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return SHELLS.has(basename(command ?? '')) && flag === '-c';
  } catch {
    return false;
  }
}

/** The parent pid of `pid` from /proc/<pid>/stat (after the parenthesised command name), or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined; // the shell itself is gone: process.ppid changes too, and says so
  }
}
