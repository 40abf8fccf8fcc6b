import { execaSync } from 'execa';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Fault injection for the end-to-end tests: strace's `inject` makes one
 * syscall fail (`error=ENOSPC`) or kills the process making it
 * (`signal=SIGKILL`), restricted with `-P` to the files that matter, so the
 * fault lands at an exact, repeatable point whatever the machine's load.
 * Which points a run tries is drawn from a seed (printed, and settable with
 * NX_POLYGLOT_FAULT_SEED), how many is bounded (NX_POLYGLOT_FAULT_RUNS, a
 * number or `all`).
 */
export const strace = (() => {
  try {
    return execaSync('strace', ['-V']).exitCode === 0;
  } catch {
    return false;
  }
})();

export const FAULT_SEED = Number(process.env.NX_POLYGLOT_FAULT_SEED ?? 20261124);

/** The number of fault points to try: NX_POLYGLOT_FAULT_RUNS (`all` for every one), else `fallback`. */
export function faultRuns(fallback: number): number {
  const given = process.env.NX_POLYGLOT_FAULT_RUNS;
  if (given === 'all') return Number.POSITIVE_INFINITY;
  return given ? Number(given) : fallback;
}

/** mulberry32: a small seeded generator, so a failing sample can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` of `items` drawn with the seed, in their original order (all of them if count >= length). */
export function seededSample<T>(items: T[], count: number, seed = FAULT_SEED): T[] {
  if (count >= items.length) return [...items];
  const next = random(seed);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(next() * items.length));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]);
}

/** The syscalls that change files: where a kill or a failed write can leave a file half-changed. */
export const MUTATING_SYSCALLS = [
  'write',
  'pwrite64',
  'writev',
  'pwritev',
  'ftruncate',
  'truncate',
  'fsync',
  'fdatasync',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
  'rmdir',
];

/** strace's arguments: follow children, only these paths, these syscalls; `inject` as strace spells it. */
export function straceArgs(paths: string[], options: { log?: string; inject?: string } = {}): string[] {
  return [
    '-f',
    '-qq',
    '-y', // file descriptors with their paths, for the report
    '-s',
    '0',
    '-o',
    options.log ?? '/dev/null',
    `-e`,
    `trace=${MUTATING_SYSCALLS.join(',')}`,
    ...paths.flatMap((p) => ['-P', p]),
    ...(options.inject ? ['-e', `inject=${options.inject}`] : []),
  ];
}

/** One place where a SIGKILL can land: the nth call of a syscall on the traced paths, and who makes it there. */
export interface KillPoint {
  syscall: string;
  nth: number;
  /** The traced line, for the report (`rename("/…/Cargo.toml.tmp", "/…/Cargo.toml")`). */
  what: string;
  pid: number;
}

/**
 * Every kill point of a traced run (`straceArgs` with a log). strace counts
 * calls per process and per syscall, and kills the first process to reach the
 * nth call: so each (syscall, n) is one point, hit by whichever process gets
 * there first in the log.
 */
export function killPoints(log: string): KillPoint[] {
  const counts = new Map<string, number>();
  const points = new Map<string, KillPoint>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /^(\d+)\s+([a-z0-9_]+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, pid, syscall, rest] = m;
    const key = `${pid}\0${syscall}`;
    const nth = (counts.get(key) ?? 0) + 1;
    counts.set(key, nth);
    const point = `${syscall}\0${nth}`;
    if (!points.has(point))
      points.set(point, {
        syscall,
        nth,
        what: `${syscall}(${rest.replace(/\s*<unfinished \.\.\.>$/, '')}`.slice(0, 200),
        pid: Number(pid),
      });
  }
  return [...points.values()];
}

/**
 * The processes whose command line (argv) and working directory `match`, read
 * from /proc: no `ps` to fork while a fault waits. The directory keeps a test
 * to its own copy: other suites may run the same tools at the same time.
 */
export function processesMatching(matches: (argv: string[], cwd: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    let cwd: string;
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      cwd = readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue; // ended meanwhile, or not ours to look at
    }
    if (argv.length > 0 && matches(argv, cwd)) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILLs every process `matches` names; returns their pids (empty when none ran). */
export function killMatching(matches: (argv: string[], cwd: string) => boolean): number[] {
  const pids = processesMatching(matches).filter((pid) => pid !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}
