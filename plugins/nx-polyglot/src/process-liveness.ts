import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process that holds something (a bump journal, a publish lock), as it wrote itself down. */
export interface ProcessOwner {
  pid: number;
  /** Its start time in clock ticks since boot (null where /proc is not there). */
  start: string | null;
  host: string;
}

/** Fields 3 and 22 of /proc/<pid>/stat (Linux), after the parenthesised command name, which may hold spaces. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return null;
  }
}

/** The process's start time in clock ticks since boot, so that a reused pid is not taken for the same process. */
export function processStart(pid: number): string | null {
  return procStat(pid)?.start ?? null;
}

/** Whether the owner still runs: same pid and start time; a zombie has ended; another machine's cannot be checked and counts as alive. */
export function isAlive(owner: ProcessOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  // a zombie has ended (nobody reaped it yet: an orphan in a container without an init)
  if (stat && (stat.state === 'Z' || stat.state === 'X')) return false;
  return owner.start === null || stat === null || stat.start === owner.start;
}
