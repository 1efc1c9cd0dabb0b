import { readdirSync, readFileSync } from 'node:fs';

// Linux's USER_HZ, the unit of /proc/<pid>/stat CPU times, is 100 on every architecture Node supports.
const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat from the 3rd on (after the command name, which may hold spaces, in parentheses). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU seconds of a process, all threads (fields 14 and 15 of /proc/<pid>/stat). Linux only. */
export function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** What a process of the stack is, from its command line. */
function roleOf(pid: number): string {
  const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  if (command.includes('/worker/loader.js')) return 'worker';
  if (command.includes('azurite')) return 'Azurite';
  return command.split(' ')[0] ?? 'other';
}

/**
 * CPU milliseconds used so far by every process descended from `pid` (not `pid` itself), summed by role
 * (`worker`, `Azurite`, ...). Empty where /proc cannot be read.
 */
export function descendantCpuMs(pid: number): Map<string, number> {
  const parents = new Map<number, number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        parents.set(Number(entry), Number(statFields(Number(entry))[1]));
      } catch {
        // The process ended between the listing and the read.
      }
    }
  } catch {
    return new Map();
  }
  const inTree = new Set([pid]);
  const byRole = new Map<string, number>();
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents) {
      if (inTree.has(child) || !inTree.has(parent)) continue;
      inTree.add(child);
      grew = true;
      try {
        const role = roleOf(child);
        byRole.set(role, (byRole.get(role) ?? 0) + cpuSecondsOf(child) * 1000);
      } catch {
        // Ended meanwhile: its CPU is gone from the tree either way.
      }
    }
  }
  return byRole;
}
