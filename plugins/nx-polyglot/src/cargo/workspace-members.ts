import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { ManifestError } from '../manifest-error';
import { CargoManifest, CargoWorkspaceSection, ManifestDependency, workspaceDependency } from './cargo-manifest';

/** The file system as the Cargo model sees it: parsed manifests and directory listings. */
export interface CargoFiles {
  /** The parsed manifest at an absolute path, or undefined when there is no such file. */
  manifest(file: string): CargoManifest | undefined;
  /** Names of the sub-directories of an absolute directory path. */
  subdirectories(dir: string): string[];
}

/**
 * The manifests of a workspace's members, found with Cargo's rules
 * (cargo/src/cargo/core/workspace.rs `find_members`):
 * - `members` entries are globs; a glob matching nothing is taken literally;
 * - `exclude` entries are path prefixes, but a path under a literal `members`
 *   entry is a member anyway;
 * - path dependencies of members under the workspace root join recursively;
 * - a root manifest with a [package] is a member itself;
 * - `default-members` does not affect membership.
 */
export function findWorkspaceMembers(root: CargoManifest, files: CargoFiles): string[] {
  const ws = root.workspace as CargoWorkspaceSection;
  const rootDir = dirname(root.file);
  const members: string[] = [];
  const seen = new Set<string>();

  const isExcluded = (manifestPath: string): boolean => excludedFromWorkspace(root, manifestPath);

  const visit = (manifestPath: string, viaPathDependency: { from: string; key: string } | undefined): void => {
    if (seen.has(manifestPath)) return;
    if (viaPathDependency && !isWithin(dirname(manifestPath), rootDir)) return;
    if (isExcluded(manifestPath)) return;
    const manifest = manifestPath === root.file ? root : files.manifest(manifestPath);
    if (!manifest) {
      if (viaPathDependency) {
        throw new ManifestError(
          viaPathDependency.from,
          `is a path dependency on ${relative(dirname(viaPathDependency.from), dirname(manifestPath)) || '.'}, which has no Cargo.toml`,
          missingCrateFix(dirname(manifestPath)),
          viaPathDependency.key,
        );
      }
      throw new ManifestError(
        root.file,
        `matches ${relative(rootDir, dirname(manifestPath)) || '.'}, which has no Cargo.toml`,
        'Add a Cargo.toml there, or list the directory in `workspace.exclude`',
        'workspace.members',
      );
    }
    members.push(manifestPath);
    seen.add(manifestPath);
    if (!manifest.package) return;
    for (const dep of manifest.dependencies) {
      const path = pathOf(dep, manifest, root);
      if (path !== undefined) visit(join(path, 'Cargo.toml'), { from: manifest.file, key: dependencyKey(dep) });
    }
  };

  for (const pattern of ws.members) {
    for (const dir of expandMemberGlob(rootDir, pattern, files)) visit(join(dir, 'Cargo.toml'), undefined);
  }
  if (root.package) visit(root.file, undefined);
  return members;
}

/**
 * What to do about a path dependency onto a directory without Cargo.toml. In
 * a clone made without `--recurse-submodules` the directory is inside a git
 * submodule that is not checked out (listed in a `.gitmodules` above it, its
 * directory empty or absent): then the fix is to check it out.
 */
export function missingCrateFix(dir: string): string {
  for (let repo = dirname(dir); ; repo = dirname(repo)) {
    const gitmodules = join(repo, '.gitmodules');
    if (existsSync(gitmodules)) {
      const paths = [...readFileSync(gitmodules, 'utf8').matchAll(/^\s*path\s*=\s*(.+?)\s*$/gm)].map((m) => m[1]);
      const submodule = paths.find((p) => isWithin(dir, join(repo, p)) && isEmptyDir(join(repo, p)));
      if (submodule !== undefined) {
        return `It is in the git submodule ${submodule}, which is not checked out: run \`git submodule update --init\` in ${repo}, or fix the path`;
      }
    }
    if (dirname(repo) === repo) return 'Fix the path, or create the crate there';
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return !existsSync(dir);
  }
}

/**
 * Cargo's `is_excluded`: under a `workspace.exclude` prefix and under no
 * `workspace.members` entry (an explicit member wins over an exclude).
 */
export function excludedFromWorkspace(root: CargoManifest, manifestPath: string): boolean {
  const ws = root.workspace as CargoWorkspaceSection;
  const rootDir = dirname(root.file);
  const excluded = ws.exclude.some((ex) => isWithin(manifestPath, join(rootDir, ex)));
  const explicitMember = ws.members.some((m) => isWithin(manifestPath, join(rootDir, m)));
  return excluded && !explicitMember;
}

/** The absolute directory of a path dependency (resolving `workspace = true`), or undefined. */
export function pathOf(dep: ManifestDependency, manifest: CargoManifest, root: CargoManifest): string | undefined {
  if (dep.workspace) {
    const inherited = workspaceDependency(root, dep.key);
    return inherited?.path === undefined ? undefined : resolve(dirname(root.file), inherited.path);
  }
  // resolve, not join: `path = "../../"` is a directory, without its trailing slash
  return dep.path === undefined ? undefined : resolve(dirname(manifest.file), dep.path);
}

export function dependencyKey(dep: ManifestDependency): string {
  const table = dep.kind === 'normal' ? 'dependencies' : `${dep.kind}-dependencies`;
  return dep.target === null ? `${table}.${dep.key}` : `target.'${dep.target}'.${table}.${dep.key}`;
}

/** Expands one `members` entry like the `glob` crate Cargo uses; keeps only directories. */
export function expandMemberGlob(rootDir: string, pattern: string, files: CargoFiles): string[] {
  const literal = join(rootDir, pattern);
  if (!/[*?[]/.test(pattern)) return [literal];
  let dirs = [rootDir];
  for (const part of pattern.split(/[\\/]+/).filter((p) => p !== '' && p !== '.')) {
    if (part === '**') {
      dirs = dirs.flatMap((d) => [d, ...descendants(d, files)]);
    } else if (/[*?[]/.test(part)) {
      dirs = dirs.flatMap((d) =>
        files
          .subdirectories(d)
          .filter((name) => minimatch(name, part, { dot: true, nobrace: true, noext: true }))
          .map((name) => join(d, name)),
      );
    } else {
      dirs = dirs.map((d) => join(d, part)).filter((d) => files.subdirectories(dirname(d)).includes(part));
    }
  }
  // Cargo: "if glob does not find any valid paths, then put the original path in the expanded list"
  return dirs.length === 0 ? [literal] : [...new Set(dirs)].sort();
}

function descendants(dir: string, files: CargoFiles): string[] {
  return files.subdirectories(dir).flatMap((name) => [join(dir, name), ...descendants(join(dir, name), files)]);
}

/** Path prefix test on whole components, like Rust's `Path::starts_with`. */
export function isWithin(path: string, prefix: string): boolean {
  const normalized = prefix.endsWith(sep) ? prefix.slice(0, -1) : prefix;
  return path === normalized || path.startsWith(normalized + sep);
}
