import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { workspaceDataDirectory } from 'nx/src/utils/cache-directory';
import { ManifestCache, subdirectories } from './manifest-cache';
import type { Refusals } from './refusals';
import { ManifestError } from './manifest-error';
import { DEFAULT_COLLISION_PREFIXES, NxPolyglotOptions } from './options';
import { CargoManifest, parseCargoManifest } from './cargo/cargo-manifest';
import { CargoPackage, CargoWorkspace, loadCargoWorkspaces } from './cargo/cargo-workspace';
import type { CargoFiles } from './cargo/workspace-members';
import { PyprojectFile, normalizeName, readPyproject } from './python/pyproject';
import { ResolvedPythonPackage, resolvePythonPackages } from './python/python-workspaces';

export interface CargoProject {
  kind: 'cargo';
  name: string;
  root: string;
  pkg: CargoPackage;
  workspace: CargoWorkspace;
}

export interface PythonProject {
  kind: 'python';
  name: string;
  root: string;
  pkg: ResolvedPythonPackage;
}

export type PolyglotProject = CargoProject | PythonProject;

/** Every Cargo and Python project of the Nx workspace, with their Nx names and roots. */
export interface PolyglotModel {
  projects: PolyglotProject[];
}

let caches: { cargo: ManifestCache<CargoManifest>; python: ManifestCache<PyprojectFile> } | undefined;

/** The manifest caches, shared by createNodes and createDependencies of one Nx process. */
export function manifestCaches(dataDirectory = workspaceDataDirectory) {
  caches ??= {
    cargo: new ManifestCache(parseCargoManifest, join(dataDirectory, 'nx-polyglot', 'cargo-manifests.json')),
    python: new ManifestCache(readPyproject, join(dataDirectory, 'nx-polyglot', 'pyprojects.json')),
  };
  return caches;
}

/**
 * The Cargo model's view of the files for one load: manifests through the
 * cache, each read once however often the model asks (roots, members, packages).
 */
export function cargoFiles(): CargoFiles {
  const { cargo } = manifestCaches();
  const read = new Map<string, CargoManifest | undefined>();
  const manifest = (f: string) => (read.has(f) ? read.get(f) : (read.set(f, cargo.get(f)), read.get(f)));
  return { manifest, subdirectories };
}

/** For tests: forget the in-memory caches (the disk cache stays). */
export function resetManifestCaches(): void {
  caches = undefined;
  lastModel = undefined;
}

/**
 * The model createNodes built last in this process, for createDependencies of
 * the same graph computation: Nx runs both in one plugin worker, one after
 * the other, so the edges need no second read of every manifest.
 */
let lastModel: { nxRoot: string; options: string; model: PolyglotModel } | undefined;

export function rememberModel(nxRoot: string, options: NxPolyglotOptions, model: PolyglotModel): void {
  lastModel = { nxRoot, options: JSON.stringify(options), model };
}

export function forgetModel(): void {
  lastModel = undefined;
}

/** The model createNodes built for this workspace and these options, if it did. */
export function rememberedModel(nxRoot: string, options: NxPolyglotOptions): PolyglotModel | undefined {
  return lastModel && lastModel.nxRoot === nxRoot && lastModel.options === JSON.stringify(options)
    ? lastModel.model
    : undefined;
}

/** A project Nx makes from another file (a package.json, a project.json): its name is taken. */
export interface OtherProject {
  root: string;
  name: string;
}

/** Where the model reads its manifests (absolute paths): the disk through the caches, or another source (Nx's Tree). */
export interface ModelFiles {
  cargo: CargoFiles;
  pyproject(file: string): PyprojectFile | undefined;
  hasUvLock(dir: string): boolean;
}

function diskFiles(): ModelFiles & { save(): void } {
  const { cargo, python } = manifestCaches();
  return {
    cargo: cargoFiles(),
    pyproject: (file) => python.get(file),
    hasUvLock: (dir) => existsSync(join(dir, 'uv.lock')),
    save: () => (cargo.save(), python.save()),
  };
}

/**
 * Builds the model from the manifest files Nx found (paths relative to the
 * Nx workspace root). Pure apart from reading manifests through the caches
 * (or `files`, for a generator reading Nx's Tree).
 * `others` are the projects Nx makes itself, whose names ours must not take.
 * With `refusals`, every manifest the real tool would refuse is kept there
 * and left out of the model (createNodes reports them all at once); without,
 * the first is thrown.
 */
export function loadPolyglotModel(
  nxRoot: string,
  manifestFiles: readonly string[],
  options: NxPolyglotOptions = {},
  others: readonly OtherProject[] = [],
  refusals?: Refusals,
  files: ModelFiles & { save?(): void } = diskFiles(),
): PolyglotModel {
  const cargoManifests = manifestFiles.filter((f) => f.endsWith('Cargo.toml')).map((f) => join(nxRoot, f));
  const pyFiles = manifestFiles.filter((f) => f.endsWith('pyproject.toml')).map((f) => join(nxRoot, f));

  const workspaces = loadCargoWorkspaces(cargoManifests, files.cargo, refusals);
  const cargoProjects: CargoProject[] = workspaces.flatMap((workspace) =>
    workspace.members.map((pkg) => ({
      kind: 'cargo' as const,
      name: pkg.name,
      root: crateRootOf(nxRoot, pkg.manifestPath, workspace.rootManifest),
      pkg,
      workspace,
    })),
  );
  const pyprojects = pyFiles
    .map((file) => (refusals ? refusals.guard(() => files.pyproject(file)) : files.pyproject(file)))
    .filter((p): p is PyprojectFile => p !== undefined);
  const pythonProjects: PythonProject[] = resolvePythonPackages(pyprojects, files.hasUvLock).map((pkg) => ({
    kind: 'python' as const,
    name: pkg.name,
    root: rootOf(nxRoot, pkg.manifestPath),
    pkg,
  }));
  files.save?.();

  const projects: PolyglotProject[] = [...cargoProjects, ...pythonProjects];
  assignNames(projects, others, options);
  return { projects };
}

function rootOf(nxRoot: string, manifestPath: string): string {
  return relative(nxRoot, dirname(manifestPath)) || '.';
}

/**
 * A crate's Nx root. Cargo takes a member reached through a symbolic link
 * under the link's path; Nx lists no file below a link, so a project there
 * would have no files, and a cache key blind to its sources. The project sits
 * where the files are, the link's target, which must be inside the Nx
 * workspace for Nx to see them.
 */
function crateRootOf(nxRoot: string, manifestPath: string, workspaceManifest: string): string {
  const dir = dirname(manifestPath);
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(nxRoot);
    real = realpathSync(dir);
  } catch {
    return rootOf(nxRoot, manifestPath); // not on disk (a generator's Tree): no link to follow
  }
  if (real === join(realRoot, relative(nxRoot, dir))) return rootOf(nxRoot, manifestPath);
  const inside = relative(realRoot, real);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ManifestError(
      workspaceManifest,
      `takes ${relative(nxRoot, dir)} as a member, a symbolic link to ${real}, outside the Nx workspace: Nx sees no file there, so it could not tell when the crate changes`,
      `Move the crate into the Nx workspace, or take ${relative(dirname(workspaceManifest), dir)} out of the Cargo workspace (\`workspace.exclude\` for a glob's match)`,
      'workspace.members',
    );
  }
  return inside || '.';
}

/**
 * Every project gets a unique Nx name (see "Names" in the README):
 * 1. its package's name (crate, Python distribution), when no other project claims it;
 * 2. else, when it is its ecosystem's only claimant of that name, the name with
 *    its ecosystem's prefix (`rust-micromegas`, `python-micromegas`); a
 *    package.json or project.json project keeps its name, as Nx gave it;
 * 3. else (two crates named `xtask` in two Cargo workspaces), `<name>@<root>`.
 * Names are compared as PEP 503 and crates.io compare them (case, `-`, `_`
 * and `.` alike), so `demo_app` and `demo-app` are one claim. Projects in one
 * directory are one Nx project: a crate beside its maturin Python package is
 * named for the Python package; beside a package.json or project.json, it
 * takes the name Nx gives that one. Only what the ecosystem itself refuses is
 * an error (two members of one Cargo workspace with one name, which the Cargo
 * model refuses).
 */
function assignNames(projects: PolyglotProject[], others: readonly OtherProject[], options: NxPolyglotOptions): void {
  const prefixes = { ...DEFAULT_COLLISION_PREFIXES, ...options.collisionPrefixes };
  const units = new Map<string, PolyglotProject[]>(); // one Nx project per root
  for (const p of projects) units.set(p.root, [...(units.get(p.root) ?? []), p]);
  const otherAt = new Map(others.map((o) => [o.root, o.name]));
  const final = new Map<PolyglotProject, string>();
  const named: PolyglotProject[] = [];
  for (const [root, members] of units) {
    const lead = members.find((m) => m.kind === 'python') ?? members[0];
    if (otherAt.has(root)) final.set(lead, otherAt.get(root) as string);
    else named.push(lead);
  }
  const key = (name: string) => normalizeName(name);
  const claims = new Map<string, PolyglotProject[]>();
  for (const p of named) claims.set(key(p.pkg.name), [...(claims.get(key(p.pkg.name)) ?? []), p]);
  const taken = new Set(others.map((o) => key(o.name)));
  for (const [name, claimants] of claims) {
    if (claimants.length === 1 && !taken.has(name)) {
      final.set(claimants[0], claimants[0].pkg.name);
      continue;
    }
    for (const p of claimants) {
      const alone = claimants.filter((c) => c.kind === p.kind).length === 1;
      final.set(p, alone ? `${prefixes[p.kind]}${p.pkg.name}` : `${p.pkg.name}@${p.root}`);
    }
  }
  // a prefixed name may itself be a package's own name (a crate really named `rust-x`): the prefixed one yields
  const count = new Map<string, number>();
  for (const n of [...final.values()].map(key)) count.set(n, (count.get(n) ?? 0) + 1);
  for (const o of others) if (!units.has(o.root)) count.set(key(o.name), (count.get(key(o.name)) ?? 0) + 1);
  for (const [p, n] of final)
    if (n !== p.pkg.name && !otherAt.has(p.root) && (count.get(key(n)) ?? 0) > 1)
      final.set(p, `${p.pkg.name}@${p.root}`);
  for (const p of projects)
    p.name = final.get(units.get(p.root)!.find((m) => final.has(m)) as PolyglotProject) as string;
}
