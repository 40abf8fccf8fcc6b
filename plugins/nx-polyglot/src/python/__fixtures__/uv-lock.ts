import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'smol-toml';

/** What `uv lock` says about a workspace's local packages: which ones there are, and the edges between them. */
export interface UvFacts {
  /** The workspace members, from `[manifest] members`. */
  members: string[];
  /** Every local package (editable, virtual or directory source), by directory relative to the workspace. */
  packages: Record<string, string>;
  /** `from -> to` between local package names, every dependency kind (normal, extras, dev groups). */
  edges: string[];
}

interface LockPackage {
  name: string;
  source: { editable?: string; virtual?: string; directory?: string };
  dependencies?: Array<{ name: string }>;
  'optional-dependencies'?: Record<string, Array<{ name: string }>>;
  'dev-dependencies'?: Record<string, Array<{ name: string }>>;
}

/** Runs the real tool, offline (the fixtures have no third-party dependencies). */
export function uvLock(dir: string): UvFacts {
  execFileSync('uv', ['lock', '--offline', '--quiet'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UV_NO_CONFIG: '1' },
  });
  const lock = parse(readFileSync(join(dir, 'uv.lock'), 'utf8')) as unknown as {
    manifest?: { members?: string[] };
    package: LockPackage[];
  };
  const local = lock.package.filter((p) => p.source.editable ?? p.source.virtual ?? p.source.directory);
  const names = new Set(local.map((p) => p.name));
  const edges = local.flatMap((p) =>
    [
      p.dependencies ?? [],
      ...Object.values(p['optional-dependencies'] ?? {}),
      ...Object.values(p['dev-dependencies'] ?? {}),
    ]
      .flat()
      .filter((d) => names.has(d.name))
      .map((d) => `${p.name} -> ${d.name}`),
  );
  const packages = Object.fromEntries(
    local.map((p) => [
      relative(dir, join(dir, (p.source.editable ?? p.source.virtual ?? p.source.directory) as string)) || '.',
      p.name,
    ]),
  );
  // a workspace of one package has no [manifest]
  return {
    members: [...(lock.manifest?.members ?? local.map((p) => p.name))].sort(),
    packages,
    edges: [...new Set(edges)].sort(),
  };
}
