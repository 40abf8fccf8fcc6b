import { existsSync, readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { dirname, join, relative } from 'node:path';
import { minimatch } from 'minimatch';
import { withLocalVersions } from '../cargo/cargo-lock-versions';
import { ProcessResult, runProcess } from '../run-process';
import { readPyproject } from '../python/pyproject';
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
 * standalone crate's own too), the uv.lock of each uv project or workspace
 * holding a Python package, the root package-lock.json when there are npm
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
  for (const { manifestPath } of m.python) {
    const dir = uvProjectOf(dirname(manifestPath), root);
    const lock = dir === undefined ? undefined : join(dir, 'uv.lock');
    if (dir !== undefined && lock !== undefined && !locks.some((l) => l.file === lock))
      locks.push({ file: lock, command: ['uv', 'lock', '--offline'], online: ['uv', 'lock'], cwd: dir });
  }
  return locks;
}

/**
 * The directory of the uv.lock that records a Python package's version: its
 * own (a uv project), or the nearest `[tool.uv.workspace]` root's above it
 * (uv records every member's version there), within the repository.
 */
function uvProjectOf(dir: string, root: string): string | undefined {
  if (existsSync(join(dir, 'uv.lock'))) return dir;
  for (let d = dirname(dir); d.startsWith(root) && d !== dirname(d); d = dirname(d)) {
    const pyproject = join(d, 'pyproject.toml');
    if (!existsSync(pyproject)) continue;
    if (readPyproject(readFileSync(pyproject, 'utf8'), pyproject).uvWorkspace === null) continue;
    return existsSync(join(d, 'uv.lock')) ? d : undefined;
  }
  return undefined;
}

/** Why a lock file could not be regenerated: the command that failed and what it said. */
export interface LockFailure {
  lock: LockFile;
  command: string[];
  result: ProcessResult;
}

/** cargo says `--offline` in every error that the network could have avoided (an index or crate not cached); uv, that the network was disabled. */
const OFFLINE_FAILURE = /--offline|offline mode|network was disabled/;

/** Sets JSON strings at the given paths, keeping every other byte (paths that hold no string are skipped). */
function setJsonStrings(text: string, values: Array<[path: string[], value: string]>): string {
  const tree = parseTree(text);
  const edits = values
    .map(([path, value]) => ({ node: tree && findNodeAtLocation(tree, path), value }))
    .filter((e) => e.node?.type === 'string')
    .sort((a, b) => b.node!.offset - a.node!.offset); // from the end, so earlier offsets stay right
  for (const { node, value } of edits)
    text = text.slice(0, node!.offset) + JSON.stringify(value) + text.slice(node!.offset + node!.length);
  return text;
}

/**
 * What the lock file's tool is expected to write once the manifests of
 * `release` (read after their edits) are on disk: the same file with only the
 * release group's own versions changed. Cargo and npm rewrite a lock file in
 * place, so a kill can leave it cut short: the bump journal records this
 * before the tool runs, so that recovery knows those bytes for the bump's own
 * and not the user's. Undefined when the file cannot be read.
 */
export function expectedLockText(lock: LockFile, release: ReleaseManifests): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(lock.file, 'utf8');
  } catch {
    return undefined;
  }
  if (lock.inPlace) return undefined; // written by ownVersionText, recorded as it is written
  if (lock.command[0] === 'cargo') {
    const versions = new Map<string, string>();
    const seen = new Set<string>();
    for (const { workspace } of release.cargo)
      for (const p of workspace.members) {
        // a name in two Cargo roots is ambiguous in a lock file: no expectation for it
        if (seen.has(p.name)) versions.delete(p.name);
        else if (p.version) versions.set(p.name, p.version);
        seen.add(p.name);
      }
    return Buffer.from(withLocalVersions(text, versions));
  }
  if (lock.command[0] !== 'npm') return undefined; // uv.lock: no expectation yet, so a changed one is left alone
  const values: Array<[string[], string]> = [];
  for (const { file, version } of release.packageJson) {
    if (!version) continue;
    const dir = relative(lock.cwd, dirname(file)).split('\\').join('/');
    if (dir === '') values.push([['version'], version]);
    values.push([['packages', dir, 'version'], version]);
  }
  return Buffer.from(setJsonStrings(text, values));
}

/**
 * Regenerates each lock file in turn and stops at the first that fails.
 * `onSpawn` hears of every tool started (the bump journal notes it);
 * `say` hears that an offline update is retried online; `writing` hears the
 * bytes about to be written to a lock file edited in place; `after` hears
 * that a lock file's tool has ended (whatever it wrote is the bump's).
 */
export async function regenerateLockFiles(
  locks: LockFile[],
  hooks: {
    onSpawn?: (pid: number, command: string) => void;
    say?: (line: string) => void;
    before?: (lock: LockFile) => void;
    writing?: (file: string, bytes: Buffer) => void;
    after?: (lock: LockFile) => void;
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
      const failure = syncOwnVersion(lock, hooks.writing);
      if (failure) return failure;
      continue;
    }
    let command = lock.command;
    let result = await run(lock, command);
    if (result.exitCode !== 0 && !result.signal && lock.online && OFFLINE_FAILURE.test(result.output)) {
      hooks.say?.(
        `\`${lock.command.join(' ')}\` could not work offline (its cache lacks a package): retrying with \`${lock.online.join(' ')}\`.`,
      );
      command = lock.online;
      result = await run(lock, command);
    }
    hooks.after?.(lock);
    if (result.exitCode !== 0) return { lock, command, result };
  }
  return undefined;
}

/** Sets a package-lock.json's own version strings to its package.json's, keeping every other byte. */
function syncOwnVersion(lock: LockFile, writing?: (file: string, bytes: Buffer) => void): LockFailure | undefined {
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
  const found = [['version'], ['packages', '', 'version']].some(
    (path) => tree && findNodeAtLocation(tree, path)?.type === 'string',
  );
  if (!found) return fail(`${lock.file}: neither "version" nor packages[""].version to set\n`);
  text = setJsonStrings(text, [
    [['version'], version],
    [['packages', '', 'version'], version],
  ]);
  writing?.(lock.file, Buffer.from(text));
  writeFileDurably(lock.file, text);
  return undefined;
}
