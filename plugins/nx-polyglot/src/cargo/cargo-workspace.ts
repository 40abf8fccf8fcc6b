import { dirname, join } from 'node:path';
import { ManifestError } from '../manifest-error';
import type { Refusals } from '../refusals';
import { CargoManifest, DependencyKind, ManifestDependency, isSemver, workspaceDependency } from './cargo-manifest';
import { CargoFiles, dependencyKey, excludedFromWorkspace, findWorkspaceMembers, pathOf } from './workspace-members';

/** A dependency of a package after `workspace = true` and renames are resolved. */
export interface CargoDependency {
  /** The real package name. */
  name: string;
  /** The name used in code, when it differs (`package = "..."`). */
  rename: string | null;
  kind: DependencyKind;
  target: string | null;
  /** The version requirement as written, or null when there is none. */
  req: string | null;
  /** The absolute directory of a path dependency. */
  path: string | null;
  optional: boolean;
  /** The key in the manifest (for messages): `dependencies.foo`, `target.'cfg(unix)'.dev-dependencies.bar`. */
  manifestKey: string;
  /** `workspace = true`: path and version come from `[workspace.dependencies]`. */
  inherited: boolean;
  /** `registry = "..."`: resolved from that registry instead of crates.io. */
  registry?: string;
  /** The TOML key path of the entry, for edits: ['target', 'cfg(unix)', 'dependencies', 'foo']. */
  keyPath: string[];
}

/** A workspace member, with what `cargo metadata --no-deps` says about it. */
export interface CargoPackage {
  name: string;
  version: string;
  manifestPath: string;
  /** null: publishable anywhere; []: `publish = false`; else the allowed registries. */
  publish: string[] | null;
  dependencies: CargoDependency[];
  /** `[package] include` (null when unset: everything but `exclude`) and `exclude`, as written. */
  include: string[] | null;
  exclude: string[];
  /** The targets as declared; which files exist decides the rest (crate-binaries.ts). */
  declaredTargets?: { lib?: boolean; bins?: string[]; defaultRun?: string; autolib?: boolean; autobins?: boolean };
}

export interface CargoWorkspace {
  rootManifest: string;
  members: CargoPackage[];
}

/**
 * Every Cargo workspace among the given manifests. A package that belongs to
 * no workspace is its own single-member workspace, as Cargo treats it. With
 * `refusals`, a manifest Cargo would refuse is kept there and left out (a
 * member, or the whole workspace when its root is refused), and the others
 * are still read, so one build names every refusal; without, the first one
 * is thrown.
 */
export function loadCargoWorkspaces(manifestFiles: string[], files: CargoFiles, refusals?: Refusals): CargoWorkspace[] {
  const guard = <T>(step: () => T): T | undefined => (refusals ? refusals.guard(step) : step());
  const workspaces: CargoWorkspace[] = [];
  const claimed = new Set<string>();
  const roots = manifestFiles
    .map((f) => guard(() => files.manifest(f)))
    .filter((m): m is CargoManifest => m?.workspace !== undefined)
    .sort((a, b) => a.file.length - b.file.length);
  // a member whose manifest is refused is still a member (cargo stops on it, it is not missing); a
  // workspace whose members cannot be found is refused whole, as cargo refuses it
  const membersOf = (root: CargoManifest) => {
    const members = shielded(
      root,
      () =>
        findWorkspaceMembers(root, {
          ...files,
          manifest: (f) => {
            try {
              return files.manifest(f);
            } catch (e) {
              if (!(refusals && e instanceof ManifestError)) throw e;
              refusals.add(e);
              return { file: f, dependencies: [] };
            }
          },
        }),
      refusals,
    );
    members.forEach((m) => refusals?.pulledIn.add(m));
    return members;
  };
  for (const root of roots) {
    if (claimed.has(root.file)) continue;
    const ws = guard(() => resolveWorkspace(root, membersOf(root), files, guard));
    if (!ws) continue;
    ws.members.forEach((m) => claimed.add(m.manifestPath));
    workspaces.push(ws);
  }
  const rootByFile = new Map(roots.map((r) => [r.file, r]));
  for (const file of manifestFiles) {
    const manifest = guard(() => files.manifest(file));
    if (!manifest?.package || claimed.has(file)) continue;
    // inside a workspace that neither lists nor excludes it: cargo refuses the
    // package on its own ("current package believes it's in a workspace when
    // it's not") and every command at the workspace root leaves it out, so it
    // is nobody's project, as for cargo (deno's deprecated ext/console)
    if (enclosingWorkspace(file, rootByFile)) continue;
    const ws = guard(() => resolveWorkspace(manifest, [file], files, guard));
    if (ws) workspaces.push(ws);
  }
  return workspaces;
}

/**
 * The workspace Cargo finds for a package that has no [workspace] of its own
 * (cargo's `find_workspace_root`): the nearest manifest with a [workspace] in
 * a parent directory whose `exclude` does not leave the package out.
 */
function enclosingWorkspace(file: string, roots: Map<string, CargoManifest>): CargoManifest | undefined {
  for (let dir = dirname(dirname(file)); ; dir = dirname(dir)) {
    const root = roots.get(join(dir, 'Cargo.toml'));
    if (root && !excludedFromWorkspace(root, file)) return root;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Marks the file of a refusal met while finding a workspace's members as part of that workspace. */
function shielded<T>(root: CargoManifest, find: () => T, refusals?: Refusals): T {
  try {
    return find();
  } catch (e) {
    if (e instanceof ManifestError) refusals?.pulledIn.add(e.file).add(root.file);
    throw e;
  }
}

/** The packages of a workspace; through `guard`, a member that is refused is left out and the others kept. */
function resolveWorkspace(
  root: CargoManifest,
  memberFiles: string[],
  files: CargoFiles,
  guard: <T>(step: () => T) => T | undefined,
): CargoWorkspace {
  const members: CargoPackage[] = [];
  const seen = new Map<string, CargoPackage>();
  for (const file of memberFiles) {
    const m = guard(() => resolvePackage(file === root.file ? root : (files.manifest(file) as CargoManifest), root));
    if (!m) continue;
    const first = seen.get(m.name);
    const duplicate = () => {
      throw new ManifestError(
        m.manifestPath,
        `declares the crate \`${m.name}\`, as does ${first!.manifestPath}, in the same Cargo workspace (${root.file})`,
        'Give one of them another name: Cargo refuses two members with one name',
        'package.name',
      );
    };
    if (first) guard(duplicate);
    else {
      seen.set(m.name, m);
      members.push(m);
    }
  }
  return { rootManifest: root.file, members };
}

function resolvePackage(manifest: CargoManifest, root: CargoManifest): CargoPackage {
  const pkg = manifest.package!;
  const inherited = root.workspace?.package ?? {};
  const fromWorkspace = (field: string): unknown => {
    if (!(field in inherited)) {
      throw new ManifestError(
        manifest.file,
        `is inherited with { workspace = true }, but ${root.file} has no \`workspace.package.${field}\``,
        `Set ${field} in [workspace.package] of ${root.file}, or give it here`,
        `package.${field}`,
      );
    }
    return inherited[field];
  };

  let version = typeof pkg.version === 'object' ? fromWorkspace('version') : pkg.version;
  let publish = typeof pkg.publish === 'object' && !Array.isArray(pkg.publish) ? fromWorkspace('publish') : pkg.publish;
  if (version === undefined) {
    // Cargo >= 1.75: a package without a version is 0.0.0 and not publishable.
    version = '0.0.0';
    publish ??= false;
  }
  if (!isSemver(version)) {
    throw new ManifestError(
      root.file,
      `must be a full semantic version (${JSON.stringify(version)})`,
      'Write it as version = "0.1.0"',
      'workspace.package.version',
    );
  }
  const patterns = (field: 'include' | 'exclude'): string[] | undefined => {
    const value = typeof pkg[field] === 'object' && !Array.isArray(pkg[field]) ? fromWorkspace(field) : pkg[field];
    if (value !== undefined && !(Array.isArray(value) && value.every((p) => typeof p === 'string'))) {
      throw new ManifestError(
        root.file,
        'must be a list of path patterns',
        `Write it as ${field} = ["src/**/*"]`,
        `workspace.package.${field}`,
      );
    }
    return value as string[] | undefined;
  };
  // a package's own publish is checked by the parser; an inherited one only here
  if (
    publish !== undefined &&
    typeof publish !== 'boolean' &&
    !(Array.isArray(publish) && publish.every((r) => typeof r === 'string'))
  ) {
    throw new ManifestError(
      root.file,
      'must be true, false or a list of registry names',
      'Write it as publish = false or publish = ["my-registry"]',
      'workspace.package.publish',
    );
  }
  return {
    name: pkg.name,
    version,
    manifestPath: manifest.file,
    publish: publish === undefined || publish === true ? null : publish === false ? [] : (publish as string[]),
    dependencies: manifest.dependencies.map((dep) => resolveDependency(dep, manifest, root)),
    include: patterns('include') ?? null,
    exclude: patterns('exclude') ?? [],
    declaredTargets: {
      lib: manifest.lib,
      bins: manifest.bins,
      defaultRun: pkg.defaultRun,
      autolib: pkg.autolib,
      autobins: pkg.autobins,
    },
  };
}

function resolveDependency(dep: ManifestDependency, manifest: CargoManifest, root: CargoManifest): CargoDependency {
  let source = dep;
  if (dep.workspace) {
    const inherited = workspaceDependency(root, dep.key);
    if (!inherited) {
      throw new ManifestError(
        manifest.file,
        `is { workspace = true }, but [workspace.dependencies] in ${root.file} has no \`${dep.key}\``,
        `Add ${dep.key} to [workspace.dependencies], or give its version or path here`,
        dependencyKey(dep),
      );
    }
    source = inherited;
  }
  const name = source.package ?? dep.key;
  const path = source.otherSource ? undefined : pathOf(dep, manifest, root);
  return {
    name,
    rename: name === dep.key ? null : dep.key,
    kind: dep.kind,
    target: dep.target === null ? null : canonicalTarget(dep.target),
    req: source.version ?? null,
    path: path ?? null,
    optional: dep.optional,
    manifestKey: dependencyKey(dep),
    inherited: dep.workspace,
    keyPath: [...dep.table, dep.key],
    ...(source.registry !== undefined ? { registry: source.registry } : {}),
  };
}

/**
 * A `[target.<platform>]` key as Cargo reports it: a triple as written, a
 * `cfg(...)` re-printed from its tokens, so `cfg(any( unix,windows ))` reads
 * `cfg(any(unix, windows))` as in `cargo metadata`.
 */
export function canonicalTarget(target: string): string {
  if (!target.startsWith('cfg(') || !target.endsWith(')')) return target;
  const body = target.slice(4, -1);
  const token = /"[^"]*"|[A-Za-z_][\w#]*|[(),=]/g;
  if (body.replace(token, '').trim() !== '') return target; // not a cfg: Cargo rejects it anyway
  const tokens = body.match(token) ?? [];
  const printed = tokens
    .filter((t, i) => !(t === ',' && tokens[i + 1] === ')')) // `any(a, b,)` prints as `any(a, b)`
    .map((t) => (t === ',' ? ', ' : t === '=' ? ' = ' : t))
    .join('');
  return `cfg(${printed})`;
}

/** The member a dependency points to: a path dependency onto a member's directory, nothing else. */
export function memberForDependency(dep: CargoDependency, members: CargoPackage[]): CargoPackage | undefined {
  if (dep.path === null) return undefined;
  let byManifest = memberIndex.get(members);
  if (!byManifest) memberIndex.set(members, (byManifest = new Map(members.map((m) => [m.manifestPath, m]))));
  const member = byManifest.get(join(dep.path, 'Cargo.toml'));
  return member?.name === dep.name ? member : undefined;
}

// members lists are built once per model and never mutated afterwards
const memberIndex = new WeakMap<CargoPackage[], Map<string, CargoPackage>>();

export function packageDir(pkg: CargoPackage): string {
  return dirname(pkg.manifestPath);
}
