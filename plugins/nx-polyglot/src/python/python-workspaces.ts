import { dirname, relative, sep } from 'node:path';
import { minimatch } from 'minimatch';
import { PythonPackage, PyprojectFile } from './pyproject';

/** A Python package with what its uv workspace adds: the tool that runs it and the workspace root's sources. */
export interface ResolvedPythonPackage extends PythonPackage {
  /** The uv workspace root's pyproject.toml this package is a member of, or null. */
  uvWorkspace: string | null;
  /**
   * The directories (absolute) whose lock files pin this package's
   * environment: a uv member's is its workspace root's uv.lock (uv reads no
   * other, and a package below a workspace that does not include it has its
   * own); any other package's, its own directory's and those of the packages
   * around it (a root project that installs it from a path shares its lock
   * with it). A lock file that is not there matches nothing.
   */
  lockDirs: string[];
}

/**
 * Applies uv's workspace rules to the pyproject files of a repository
 * (uv `crates/uv-workspace/src/workspace.rs`):
 * - a package belongs to the nearest `[tool.uv.workspace]` at or above it
 *   whose `members` globs match its directory and whose `exclude` globs do not;
 *   the root is a member when it declares a package;
 * - `[tool.uv.sources]` of the workspace root apply to every member, unless
 *   the member declares a source for that name itself;
 * - members are run with uv, whether or not they say `[tool.uv]`.
 * `hasUvLock(dir)` tells whether a standalone package has a uv.lock.
 */
export function resolvePythonPackages(
  files: PyprojectFile[],
  hasUvLock: (dir: string) => boolean,
): ResolvedPythonPackage[] {
  const roots = files.filter((f) => f.uvWorkspace !== null);
  const packageDirs = new Set(files.filter((f) => f.package !== null).map((f) => dirname(f.manifestPath)));
  return files.flatMap((file) => {
    const pkg = file.package;
    if (!pkg) return [];
    const root = workspaceOf(file, roots);
    const tool =
      pkg.tool === 'pep517' && (root !== undefined || hasUvLock(dirname(file.manifestPath))) ? 'uv' : pkg.tool;
    const dir = dirname(file.manifestPath);
    const lockDirs = root ? [dirname(root.manifestPath)] : [dir, ...ancestors(dir).filter((d) => packageDirs.has(d))];
    if (!root || root === file) return [{ ...pkg, tool, uvWorkspace: root ? root.manifestPath : null, lockDirs }];
    const fromRoot = pkg.unlocated
      .filter((dep) => root.uvSources[dep.name] !== undefined)
      .map((dep) => ({
        name: dep.name,
        path: root.uvSources[dep.name].path,
        key: `tool.uv.sources.${root.uvSources[dep.name].key} (in ${root.manifestPath})`,
      }));
    return [
      {
        ...pkg,
        tool,
        uvWorkspace: root.manifestPath,
        lockDirs,
        pathDependencies: [...pkg.pathDependencies, ...fromRoot],
      },
    ];
  });
}

function workspaceOf(file: PyprojectFile, roots: PyprojectFile[]): PyprojectFile | undefined {
  if (file.uvWorkspace) return file;
  const dir = dirname(file.manifestPath);
  // uv stops at the nearest workspace root above: included, or in no workspace
  const root = roots
    .filter((r) => isWithin(dir, dirname(r.manifestPath)))
    .sort((a, b) => b.manifestPath.length - a.manifestPath.length)[0];
  if (!root) return undefined;
  const ws = root.uvWorkspace as NonNullable<PyprojectFile['uvWorkspace']>;
  const rel = relative(dirname(root.manifestPath), dir).split(sep).join('/');
  const matches = (globs: string[]) =>
    globs.some((g) => minimatch(rel, g.replace(/^\.\//, '').replace(/\/$/, ''), { dot: true }));
  return matches(ws.members) && !matches(ws.exclude) ? root : undefined;
}

function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + sep);
}

/** Every directory above `dir`, nearest first. */
function ancestors(dir: string): string[] {
  const found: string[] = [];
  // the file system root holds no repository's package
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) found.push(d);
  return found;
}
