import { execa } from 'execa';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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
 * A temporary copy of this repository's files (tracked and new, not ignored),
 * as a fresh git repository, sharing installed packages with the original.
 */
export async function copyRepository(prefix: string): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(repoRoot, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(copy, file));
  }
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
