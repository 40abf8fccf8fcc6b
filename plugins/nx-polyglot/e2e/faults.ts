import { execaSync } from 'execa';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * SIGKILL of a whole run: the process group of `groupPid` (a detached child:
 * nx, its task processes and the tools they run), then anything still
 * working in one of `dirs` (a task runner may give its tasks their own
 * group). What the kill leaves is what a user's kill -9 of the terminal's
 * job, or a CI runner's timeout, leaves.
 */
export function killRun(groupPid: number, dirs: string[]): number[] {
  const killed: number[] = [];
  try {
    process.kill(-groupPid, 'SIGKILL');
    killed.push(groupPid);
  } catch {
    // ended meanwhile
  }
  killed.push(...killMatching((_, cwd) => dirs.some((d) => cwd === d || cwd.startsWith(`${d}/`))));
  return killed;
}

/**
 * git hooks that stop a run at a named point of git's own work, so a kill
 * lands exactly there: `pre-commit` (the changelog staged, no commit yet),
 * `post-commit` (the commit made, nothing after it), `reference-transaction
 * prepared <ref>` (the objects written, git holding the ref's lock file),
 * `reference-transaction committed <ref>` (the ref updated, git still
 * running), `pre-receive` (in a bare remote: a push arriving). The hook is
 * inert until a point is armed in `<gitDir>/stop-at`; the first hook at
 * that point disarms it, writes `<gitDir>/stop-reached` and sleeps,
 * to be killed. Armed as `hold:<point>`, it waits at that point until
 * `<gitDir>/hold` is removed instead, and the run goes on.
 */
export function installStopHooks(gitDir: string): void {
  const script = `#!/bin/sh
dir='${gitDir}'
hook="$(basename "$0")"
# the points this call of the hook is at: the hook's name; for reference-transaction, one per ref it updates
case "$hook" in
  reference-transaction) points="$(awk -v s="$1" '{print "reference-transaction " s " " $3}')" ;;
  pre-receive) cat >/dev/null; points="$hook" ;;
  *) points="$hook" ;;
esac
[ -f "$dir/stop-at" ] || exit 0
want="$(cat "$dir/stop-at")"
hold=false
case "$want" in hold:*) hold=true; want="\${want#hold:}" ;; esac
printf '%s\\n' "$points" | grep -qxF "$want" || exit 0
rm -f "$dir/stop-at"
echo "$want" > "$dir/stop-reached"
if $hold; then
  i=0
  while [ -f "$dir/hold" ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i + 1)); done
  exit 0
fi
sleep 600
`;
  mkdirSync(join(gitDir, 'hooks'), { recursive: true });
  for (const hook of ['pre-commit', 'post-commit', 'reference-transaction', 'pre-receive'])
    writeFileSync(join(gitDir, 'hooks', hook), script, { mode: 0o755 });
}

/** Arms the stop hooks of `gitDir` at `point` (`hold:<point>` to hold there until `<gitDir>/hold` is removed). */
export function armStop(gitDir: string, point: string): void {
  rmSync(join(gitDir, 'stop-reached'), { force: true });
  if (point.startsWith('hold:')) writeFileSync(join(gitDir, 'hold'), '');
  writeFileSync(join(gitDir, 'stop-at'), point);
}

/** The point a stop hook of `gitDir` stopped at, once one did. */
export function stopReached(gitDir: string): string | undefined {
  try {
    return readFileSync(join(gitDir, 'stop-reached'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function disarmStops(gitDir: string): void {
  for (const f of ['stop-at', 'stop-reached', 'hold']) rmSync(join(gitDir, f), { force: true });
}
