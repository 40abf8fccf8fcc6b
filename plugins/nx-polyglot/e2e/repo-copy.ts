import { execa } from 'execa';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseStage, syncStage, takeStage } from './repo-stage';

export const repoRoot = join(__dirname, '..', '..', '..');
export const nxEnv = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' };

/** npm workspaces: their links in node_modules must point into the copy, not at the original. */
const WORKSPACES = ['analytics-web-app', 'nx-polyglot'];

/**
 * The copy's own node_modules directory, whose entries link to the original's:
 * nothing is installed twice, the workspace links lead to the copy's packages
 * (so `npm ls` sees the copy's versions), and what npm writes there (its hidden
 * lockfile) stays in the copy.
 */
function linkNodeModules(copy: string): void {
  const modules = join(repoRoot, 'node_modules');
  mkdirSync(join(copy, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    if (entry === '.package-lock.json') continue;
    const workspace = WORKSPACES.includes(entry) && lstatSync(join(modules, entry)).isSymbolicLink();
    const target = workspace
      ? join(copy, entry === 'nx-polyglot' ? 'plugins/nx-polyglot' : entry)
      : join(modules, entry);
    symlinkSync(target, join(copy, 'node_modules', entry));
  }
}

/**
 * A copy of this repository's files (tracked and new, not ignored), as a fresh
 * git repository of one commit, sharing installed packages with the original.
 * It is a warm stage at a fixed path (repo-stage.ts: cargo's build outputs kept,
 * nothing else) unless `fresh` asks for a new temporary directory, as for a
 * machine that must never have built anything. Give it back with `removeCopy`.
 */
export async function copyRepository(prefix: string, { fresh = false }: { fresh?: boolean } = {}): Promise<string> {
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  const files = stdout.split('\0').filter((file) => file && existsSync(join(repoRoot, file))); // not deleted in the work tree
  const stage = fresh ? undefined : takeStage(repoRoot);
  const copy = stage ?? mkdtempSync(join(tmpdir(), prefix));
  syncStage(repoRoot, copy, files);
  linkNodeModules(copy);
  for (const modules of [
    'analytics-web-app/node_modules',
    'plugins/nx-polyglot/node_modules',
    'plugins/nx-polyglot/dist',
  ]) {
    if (existsSync(join(repoRoot, modules))) symlinkSync(join(repoRoot, modules), join(copy, modules));
  }
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: copy });
  await execa('git', ['add', '-A'], { cwd: copy });
  await execa('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', 'commit', '-qm', 'copy'], {
    cwd: copy,
  });
  return copy;
}

/** Done with a copy: a stage is given back for the next spec (its files stay), a temporary copy is deleted. */
export function removeCopy(copy: string): void {
  if (!releaseStage(copy)) rmSync(copy, { recursive: true, force: true });
}

export type CacheStatus = 'cache-miss' | 'local-cache-hit' | 'remote-cache-hit';

/** Runs Nx in the copy and returns each task's cache status, from Nx's own run record. */
export async function runNx(
  copy: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<Map<string, CacheStatus>> {
  const env = { ...nxEnv, NX_CACHE_DIRECTORY: join(copy, '.nx', 'cache'), ...extraEnv };
  const result = await execa('npx', ['nx', ...args, '--output-style=static'], {
    cwd: copy,
    env,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${result.all}`);
  const run = JSON.parse(readFileSync(join(env.NX_CACHE_DIRECTORY, 'run.json'), 'utf8'));
  return new Map(run.tasks.map((t: { taskId: string; cacheStatus: CacheStatus }) => [t.taskId, t.cacheStatus]));
}

export function executed(statuses: Map<string, CacheStatus>): string[] {
  return [...statuses]
    .filter(([, s]) => s === 'cache-miss')
    .map(([id]) => id)
    .sort();
}
