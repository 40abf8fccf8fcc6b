import { existsSync, readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { dirname, join, relative } from 'node:path';
import { minimatch } from 'minimatch';
import { ProcessResult, runProcess } from '../run-process';
import { writeFileDurably } from './durable-write';
import type { ReleaseManifests } from './version-sites';

/** A lock file that records the release group's own versions, and the command that regenerates it. */
export interface LockFile {
  file: string;
  /** The tool that regenerates it; empty when the plugin edits it in place (`inPlace`). */
  command: string[];
  cwd: string;
  /** Run when `command` fails for want of the network (a cold cargo index): the same update, online. */
  online?: string[];
  /**
   * A package's own package-lock.json records its version only as the lock's
   * `version` and `packages[""].version`: those two strings are set to its
   * package.json's, every other byte kept — what `npm install
   * --package-lock-only` would do on an in-sync lock, without resolving the
   * tree again (network, npm's own settings such as omitting `resolved`).
   */
  inPlace?: 'own-version';
}

/** How a lock file is brought up to date, as the bump and its dry run say it. */
export function howRegenerated(lock: LockFile): string {
  return lock.inPlace ? 'by setting its own version in place, as npm would' : `with \`${lock.command.join(' ')}\``;
}

const NPM_LOCK_ONLY = ['npm', 'install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'];

/** Whether `dir` is a member of the npm workspaces of the package.json at `root`. */
function isNpmWorkspaceMember(root: string, dir: string): boolean {
  let workspaces: unknown;
  try {
    workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
  } catch {
    return false;
  }
  const patterns = Array.isArray(workspaces)
    ? workspaces
    : ((workspaces as { packages?: unknown } | undefined)?.packages ?? []);
  const rel = relative(root, dir).split('\\').join('/');
  return (patterns as unknown[]).some((p) => typeof p === 'string' && minimatch(rel, p.replace(/\/$/, '')));
}

/**
 * The lock files a bump regenerates, the same for `bump` and `nx release
 * version`: Cargo.lock beside each Cargo root of the release group (a
 * standalone crate's own too), the root package-lock.json when there are npm
 * packages, and a web app's own package-lock.json when it is no npm
 * workspace member (npm would otherwise update the root lock instead).
 */
export function releaseLockFiles(m: ReleaseManifests, root: string): LockFile[] {
  const locks: LockFile[] = [];
  for (const { root: rootManifest } of m.cargo) {
    const dir = dirname(rootManifest.file);
    const lock = join(dir, 'Cargo.lock');
    if (existsSync(lock))
      locks.push({
        file: lock,
        command: ['cargo', 'update', '--workspace', '--offline'],
        online: ['cargo', 'update', '--workspace'],
        cwd: dir,
      });
  }
  if (m.packageJson.length > 0 && existsSync(join(root, 'package-lock.json')))
    locks.push({ file: join(root, 'package-lock.json'), command: NPM_LOCK_ONLY, cwd: root });
  for (const { file } of m.packageJson) {
    const dir = dirname(file);
    const lock = join(dir, 'package-lock.json');
    if (dir !== root && existsSync(lock) && !isNpmWorkspaceMember(root, dir))
      locks.push({ file: lock, command: [], cwd: dir, inPlace: 'own-version' });
  }
  return locks;
}

/** Why a lock file could not be regenerated: the command that failed and what it said. */
export interface LockFailure {
  lock: LockFile;
  command: string[];
  result: ProcessResult;
}

/** cargo says `--offline` in every error that the network could have avoided (an index or crate not cached). */
const OFFLINE_FAILURE = /--offline|offline mode/;

/**
 * Regenerates each lock file in turn and stops at the first that fails.
 * `onSpawn` hears of every tool started (the bump journal notes it);
 * `say` hears that an offline update is retried online.
 */
export async function regenerateLockFiles(
  locks: LockFile[],
  hooks: {
    onSpawn?: (pid: number, command: string) => void;
    say?: (line: string) => void;
    before?: (lock: LockFile) => void;
  } = {},
): Promise<LockFailure | undefined> {
  const run = (lock: LockFile, command: string[]) =>
    runProcess(command[0], command.slice(1), {
      cwd: lock.cwd,
      onSpawn: (pid) => hooks.onSpawn?.(pid, command.join(' ')),
    });
  for (const lock of locks) {
    hooks.before?.(lock);
    if (lock.inPlace) {
      const failure = syncOwnVersion(lock);
      if (failure) return failure;
      continue;
    }
    let command = lock.command;
    let result = await run(lock, command);
    if (result.exitCode !== 0 && !result.signal && lock.online && OFFLINE_FAILURE.test(result.output)) {
      hooks.say?.(
        `\`${lock.command.join(' ')}\` could not work offline (cargo's index has not cached every crate): retrying with \`${lock.online.join(' ')}\`.`,
      );
      command = lock.online;
      result = await run(lock, command);
    }
    if (result.exitCode !== 0) return { lock, command, result };
  }
  return undefined;
}

/** Sets a package-lock.json's own version strings to its package.json's, keeping every other byte. */
function syncOwnVersion(lock: LockFile): LockFailure | undefined {
  const fail = (output: string): LockFailure => ({
    lock,
    command: ['(edit in place)'],
    result: { exitCode: 1, output },
  });
  let version: unknown;
  let text: string;
  try {
    version = JSON.parse(readFileSync(join(lock.cwd, 'package.json'), 'utf8')).version;
    text = readFileSync(lock.file, 'utf8');
  } catch (e) {
    return fail(`${(e as Error).message}\n`);
  }
  if (typeof version !== 'string') return fail(`${join(lock.cwd, 'package.json')}: no "version" string\n`);
  const tree = parseTree(text);
  const edits = [['version'], ['packages', '', 'version']]
    .map((path) => tree && findNodeAtLocation(tree, path))
    .filter((node) => node?.type === 'string')
    .sort((a, b) => b!.offset - a!.offset); // from the end, so earlier offsets stay right
  if (edits.length === 0) return fail(`${lock.file}: neither "version" nor packages[""].version to set\n`);
  for (const node of edits)
    text = text.slice(0, node!.offset) + JSON.stringify(version) + text.slice(node!.offset + node!.length);
  writeFileDurably(lock.file, text);
  return undefined;
}
