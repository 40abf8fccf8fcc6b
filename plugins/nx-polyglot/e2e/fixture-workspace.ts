import { execa } from 'execa';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nxEnv, repoRoot } from './repo-copy';

/**
 * A small workspace of the test's own files, as a git repository, with this
 * repository's Nx and the plugin linked into its node_modules (nothing installed).
 */
export async function fixtureWorkspace(prefix: string, files: Record<string, string>): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(join(repoRoot, 'node_modules', 'nx'), join(root, 'node_modules', 'nx'));
  symlinkSync(join(repoRoot, 'plugins', 'nx-polyglot'), join(root, 'node_modules', 'nx-polyglot'));
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: root });
  return root;
}

/** Runs Nx in the workspace (never fails the promise: the test reads the exit code). */
export function nxIn(root: string, args: string[], env: Record<string, string> = {}) {
  return execa('node', [join(root, 'node_modules/nx/dist/bin/nx.js'), ...args], {
    cwd: root,
    env: { ...nxEnv, NX_CACHE_DIRECTORY: join(root, '.nx', 'cache'), ...env },
    all: true,
    reject: false,
  });
}
