import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * A warm copy of the repository at a fixed path, reused run after run.
 *
 * Cargo keys its build cache by absolute path and decides freshness by mtime, so
 * a fresh temporary copy builds the demo workspace from nothing. A stage stays at
 * `${tmpdir}/nx-polyglot-e2e/<checkout>/stage-<n>` and is brought back to the
 * repository's files before each use: whatever is not one of them is deleted,
 * a file whose bytes or mode differ is written again (a new mtime, so cargo
 * rebuilds what it reads), the others keep their mtime (cargo's work on them
 * stays valid). Only the build outputs of KEPT survive; Nx's cache, its
 * workspace data and the git history go with everything else, so a staged copy
 * is as cold for Nx as a fresh one.
 *
 * One process uses a stage at a time: `stage-<n>.lock` holds the user's pid.
 * Spec files run one at a time and take stage 0, the second copy a spec holds at
 * once stage 1, and so on; a concurrent run of the same checkout finds them
 * locked and takes the next free number (other checkouts have their own
 * directory). A lock whose process is gone is taken over.
 */

/** Build outputs kept between uses: cargo's target (absolute-path keyed) and the Python environment (its own lock stamp). */
export const KEPT = ['rust/target', 'python/micromegas/.venv'];
/** Past this many stages in use at once, copies are fresh temporary directories (cold, still correct). */
const MAX_STAGES = 8;

const held = new Map<string, string>(); // stage -> its lock file

/** Where the stages of the checkout at `repoRoot` live. */
export function stagesDir(repoRoot: string): string {
  const id = createHash('sha256').update(repoRoot).digest('hex').slice(0, 10);
  return join(tmpdir(), 'nx-polyglot-e2e', `${basename(repoRoot)}-${id}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(lock, 'utf8'));
    if (owner === process.pid || (owner > 0 && alive(owner))) return false;
    rmSync(lock, { force: true }); // left by a process that is gone
  }
  return false;
}

function unlock(lock: string): void {
  try {
    if (Number(readFileSync(lock, 'utf8')) === process.pid) unlinkSync(lock);
  } catch {
    // already gone
  }
}

process.on('exit', () => {
  for (const lock of held.values()) unlock(lock);
});

/** A stage this process now holds, or undefined when all are taken. */
export function takeStage(repoRoot: string): string | undefined {
  const dir = stagesDir(repoRoot);
  mkdirSync(dir, { recursive: true });
  for (let n = 0; n < MAX_STAGES; n++) {
    const stage = join(dir, `stage-${n}`);
    if (held.has(stage) || !tryLock(`${stage}.lock`)) continue;
    held.set(stage, `${stage}.lock`);
    return stage;
  }
  return undefined;
}

/** Gives the stage back (its files stay for the next use); false when `copy` is no stage of this process. */
export function releaseStage(copy: string): boolean {
  const lock = held.get(copy);
  if (lock === undefined) return false;
  held.delete(copy);
  unlock(lock);
  return true;
}

/** Makes `stage`'s files those of `repoRoot` listed in `files`, keeping KEPT and unchanged files' mtimes. */
export function syncStage(repoRoot: string, stage: string, files: string[]): void {
  const wanted = new Set(files);
  const parents = new Set(
    files.flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, p) => p.slice(0, i + 1).join('/')),
    ),
  );
  const prune = (rel: string) => {
    for (const entry of readdirSync(join(stage, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (KEPT.includes(path)) continue;
      if (entry.isDirectory() && parents.has(path)) prune(path);
      else if (!(entry.isFile() && wanted.has(path))) rmSync(join(stage, path), { recursive: true, force: true });
    }
  };
  mkdirSync(stage, { recursive: true });
  prune('');
  for (const file of files) {
    const [from, to] = [join(repoRoot, file), join(stage, file)];
    const mode = statSync(from).mode & 0o7777;
    if (existsSync(to)) {
      if (readFileSync(to).equals(readFileSync(from))) {
        if ((statSync(to).mode & 0o7777) !== mode) chmodSync(to, mode);
        continue;
      }
      rmSync(to, { force: true }); // it may have been left read-only
    }
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to);
  }
}
