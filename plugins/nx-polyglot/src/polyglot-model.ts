import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { workspaceDataDirectory } from 'nx/src/utils/cache-directory';
import { ManifestCache, subdirectories } from './manifest-cache';
import { ManifestError } from './manifest-error';
import { DEFAULT_COLLISION_PREFIXES, NxPolyglotOptions } from './options';
import { CargoManifest, parseCargoManifest } from './cargo/cargo-manifest';
import { CargoPackage, CargoWorkspace, loadCargoWorkspaces } from './cargo/cargo-workspace';
import type { CargoFiles } from './cargo/workspace-members';
import { PythonPackage, normalizeName, parsePyproject } from './python/pyproject';

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
  pkg: PythonPackage;
}

export type PolyglotProject = CargoProject | PythonProject;

/** Every Cargo and Python project of the Nx workspace, with their Nx names and roots. */
export interface PolyglotModel {
  projects: PolyglotProject[];
}

let caches: { cargo: ManifestCache<CargoManifest>; python: ManifestCache<PythonPackage> } | undefined;

/** The manifest caches, shared by createNodes and createDependencies of one Nx process. */
export function manifestCaches(dataDirectory = workspaceDataDirectory) {
  caches ??= {
    cargo: new ManifestCache(parseCargoManifest, join(dataDirectory, 'nx-polyglot', 'cargo-manifests.json')),
    python: new ManifestCache(parsePyproject, join(dataDirectory, 'nx-polyglot', 'pyprojects.json')),
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
}

/**
 * Builds the model from the manifest files Nx found (paths relative to the
 * Nx workspace root). Pure apart from reading manifests through the caches.
 */
export function loadPolyglotModel(nxRoot: string, manifestFiles: readonly string[], options: NxPolyglotOptions = {}): PolyglotModel {
  const { cargo, python } = manifestCaches();
  const cargoManifests = manifestFiles.filter((f) => f.endsWith('Cargo.toml')).map((f) => join(nxRoot, f));
  const pyFiles = manifestFiles.filter((f) => f.endsWith('pyproject.toml')).map((f) => join(nxRoot, f));

  const workspaces = loadCargoWorkspaces(cargoManifests, cargoFiles());
  const cargoProjects: CargoProject[] = workspaces.flatMap((workspace) =>
    workspace.members.map((pkg) => ({ kind: 'cargo' as const, name: pkg.name, root: rootOf(nxRoot, pkg.manifestPath), pkg, workspace })),
  );
  const pythonProjects: PythonProject[] = pyFiles.map((file) => {
    const pkg = python.get(file) as PythonPackage;
    const tool = pkg.tool === 'pep517' && existsSync(join(dirname(file), 'uv.lock')) ? 'uv' : pkg.tool;
    return { kind: 'python' as const, name: pkg.name, root: rootOf(nxRoot, file), pkg: { ...pkg, tool } };
  });
  cargo.save();
  python.save();

  const projects: PolyglotProject[] = [...cargoProjects, ...pythonProjects];
  assignNames(projects, options);
  return { projects };
}

function rootOf(nxRoot: string, manifestPath: string): string {
  return relative(nxRoot, dirname(manifestPath)) || '.';
}

/**
 * Names are the crate / distribution names. A name claimed by both a crate
 * and a Python distribution is prefixed on both sides (`rust-micromegas`,
 * `python-micromegas`): neither ecosystem silently wins. Two projects of the
 * same ecosystem with one name are an error, as Nx could not tell them apart.
 */
function assignNames(projects: PolyglotProject[], options: NxPolyglotOptions): void {
  const prefixes = { ...DEFAULT_COLLISION_PREFIXES, ...options.collisionPrefixes };
  const byName = new Map<string, PolyglotProject[]>();
  for (const p of projects) {
    const key = p.kind === 'python' ? normalizeName(p.name) : p.name;
    byName.set(key, [...(byName.get(key) ?? []), p]);
  }
  for (const [name, claimants] of byName) {
    for (const kind of ['cargo', 'python'] as const) {
      const same = claimants.filter((p) => p.kind === kind);
      if (same.length > 1) {
        throw new ManifestError(
          same[1].pkg.manifestPath,
          `declares the ${kind === 'cargo' ? 'crate' : 'Python distribution'} \`${name}\`, as does ${same[0].pkg.manifestPath}`,
          'Give one of them another name: Nx projects need unique names',
          kind === 'cargo' ? 'package.name' : 'project.name',
        );
      }
    }
    if (claimants.length > 1) for (const p of claimants) p.name = `${prefixes[p.kind]}${p.name}`;
  }
}
