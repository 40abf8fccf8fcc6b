import { Tree, globAsync } from '@nx/devkit';
import { basename, dirname, join, relative } from 'node:path';
import { ModelFiles, PolyglotProject, loadPolyglotModel } from '../../polyglot-model';
import { OTHER_PROJECT_FILES, otherProjects } from '../../other-projects';
import { readPyproject } from '../../python/pyproject';
import { treeSource } from '../../release/manifest-source';
import { RegistryFiles } from './registries';

/** A project `nx release` could version, with what ties its version to others. */
export interface ReleasableProject {
  /** Its Nx name. */
  name: string;
  root: string;
  kind: 'cargo' | 'python' | 'npm';
  version: string;
  /**
   * Projects with one train key share one version by construction: the crates
   * inheriting `[workspace.package] version`, a maturin package and the crate it
   * builds. Otherwise the project's own name.
   */
  train: string;
  /** The Cargo workspace directory (relative) of a crate inheriting its version, which names its group. */
  workspace?: string;
}

export interface RepositoryFacts {
  projects: ReleasableProject[];
  /** Versionless or unpublishable projects, with why (for the report). */
  left: Array<{ name: string; why: string }>;
  /** Every Nx project name, ours and Nx's own, so a new root project takes none of them. */
  takenNames: string[];
  /** The name of the project at the repository root, when there is one (a root crate or package.json). */
  rootProjectName?: string;
  /** A CHANGELOG.md at the root: the user's, never Nx's to prepend to. */
  changelog: boolean;
  /** Some releasable project keeps a CHANGELOG.md of its own. */
  projectChangelogs: boolean;
  /** Web apps Nx makes no project of: a package.json with a version, in no package-manager workspace. */
  unprojectedWebApps: Array<{ root: string; name: string }>;
  registryFiles: RegistryFiles;
  /** The release tools' configuration files at the root and beside each Cargo workspace (release-tool.ts). */
  releaseToolFiles: Record<string, string | undefined>;
}

// what no manifest of the repository's own lives in, whether or not .gitignore says so
const IGNORED = /(^|\/)(node_modules|target|\.venv|dist)\//;

/**
 * Reads the repository through Nx's Tree with the plugin's own models (the
 * Cargo workspace model and pyproject.toml reader, named as the graph names
 * them): what init needs to propose a release shape.
 */
export async function readRepositoryFacts(tree: Tree): Promise<RepositoryFacts> {
  const root = tree.root;
  const text = (f: string) => (tree.exists(f) && tree.isFile(f) ? (tree.read(f, 'utf-8') ?? undefined) : undefined);
  const manifests = (await globAsync(tree, ['**/Cargo.toml', '**/pyproject.toml'])).filter((f) => !excluded(f));
  const configFiles = (
    await globAsync(tree, [...OTHER_PROJECT_FILES, ...OTHER_PROJECT_FILES.map((f) => `**/${f}`)])
  ).filter((f) => !excluded(f));
  const source = treeSource(tree, root);
  const files: ModelFiles = {
    cargo: {
      manifest: source.cargo.manifest,
      // the root directory too (treeSource asks tree.exists(''), which an in-memory Tree denies)
      subdirectories: (dir) => {
        const rel = relative(root, dir);
        return tree.children(rel).filter((c) => !tree.isFile(join(rel, c)));
      },
    },
    pyproject: (file) => {
      const t = source.text(file);
      return t === undefined ? undefined : readPyproject(t, file);
    },
    hasUvLock: (dir) => source.text(join(dir, 'uv.lock')) !== undefined,
  };
  const others = otherProjects(root, configFiles, (f) => text(f) ?? '');
  const model = loadPolyglotModel(root, manifests, {}, others, undefined, files);

  const projects: ReleasableProject[] = [];
  const left: RepositoryFacts['left'] = [];
  const seen = new Set<string>();
  const trainOfCrate = new Map<string, string>();
  for (const p of model.projects) if (p.kind === 'cargo') trainOfCrate.set(p.pkg.manifestPath, cargoTrain(p, files));
  for (const p of model.projects) {
    if (seen.has(p.name)) continue; // a crate beside its maturin package is one Nx project
    seen.add(p.name);
    const release = releasable(p, model.projects, trainOfCrate);
    if ('why' in release) left.push({ name: p.name, why: release.why });
    else {
      const workspace = release.train.startsWith('cargo-workspace:')
        ? relative(root, dirname(release.train.slice('cargo-workspace:'.length))) || '.'
        : undefined;
      projects.push({ name: p.name, root: p.root, kind: p.kind, ...release, ...(workspace ? { workspace } : {}) });
    }
  }

  // an npm package is released when it is published, or when it carries the version of a crate or
  // Python package (a web app shipped with them); a private one or one Nx does not see (in no npm
  // workspace: not set up for JS tooling) with a version of its own is not
  const polyglotVersions = new Set(projects.map((p) => p.version));
  const unprojectedWebApps: RepositoryFacts['unprojectedWebApps'] = [];
  for (const file of configFiles.filter((f) => basename(f) === 'package.json' && f !== 'package.json')) {
    const json = parseJson(text(file));
    const dir = dirname(file);
    if (typeof json?.version !== 'string' || model.projects.some((p) => p.root === dir)) continue;
    const other = others.find((o) => o.root === dir);
    const name = other?.name ?? (typeof json.name === 'string' ? json.name : basename(dir));
    // Nx makes no project of it: only a built app (not a test fixture or an example) may get one
    if (!other && (typeof json.scripts?.build !== 'string' || SAMPLES.test(dir))) continue;
    if ((!other || json.private === true) && !polyglotVersions.has(json.version)) {
      const what = other ? 'a private npm package' : 'a web app in no npm workspace';
      left.push({ name, why: `${what} at ${json.version}, a version no crate or Python package has` });
      continue;
    }
    if (!other) unprojectedWebApps.push({ root: dir, name });
    projects.push({ name, root: dir, kind: 'npm', version: json.version, train: `project:${name}` });
  }

  const rootPackageJson = parseJson(text('package.json'));
  const atRoot = model.projects.find((p) => p.root === '.')?.name ?? others.find((o) => o.root === '.')?.name;
  return {
    projects,
    left,
    takenNames: [...new Set([...model.projects.map((p) => p.name), ...others.map((o) => o.name)])],
    rootProjectName: atRoot ?? (typeof rootPackageJson?.name === 'string' ? rootPackageJson.name : undefined),
    changelog: tree.exists('CHANGELOG.md'),
    projectChangelogs: projects.some((p) => p.root !== '.' && tree.exists(join(p.root, 'CHANGELOG.md'))),
    unprojectedWebApps,
    releaseToolFiles: Object.fromEntries(
      [
        ...new Set([
          '.',
          ...model.projects.flatMap((p) =>
            p.kind === 'cargo' ? [relative(root, dirname(p.workspace.rootManifest)) || '.'] : [],
          ),
        ]),
      ].flatMap((dir) =>
        ['release.toml', 'release-plz.toml', '.release-plz.toml'].map((name) => {
          const file = dir === '.' ? name : join(dir, name);
          return [file, text(file)] as const;
        }),
      ),
    ),
    registryFiles: {
      cargoConfig: text('.cargo/config.toml') ?? text('.cargo/config'),
      poetryToml: text('poetry.toml'),
      pyprojects: manifests.filter((f) => f.endsWith('pyproject.toml')).map((f) => ({ file: f, text: text(f) ?? '' })),
      npmrc: text('.npmrc'),
    },
  };
}

function excluded(file: string): boolean {
  return IGNORED.test(file);
}

const SAMPLES = /(^|\/)(tests?|fixtures?|__fixtures__|examples?|e2e)(\/|$)/;

function parseJson(
  text: string | undefined,
): { name?: unknown; version?: unknown; private?: unknown; scripts?: Record<string, unknown> } | undefined {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined; // Nx reports an unreadable package.json itself
  }
}

/** The crates inheriting their workspace's version share it; any other crate has a version of its own. */
function cargoTrain(p: PolyglotProject & { kind: 'cargo' }, files: ModelFiles): string {
  const own = files.cargo.manifest(p.pkg.manifestPath)?.package?.version;
  return typeof own === 'object' ? `cargo-workspace:${p.workspace.rootManifest}` : `project:${p.name}`;
}

function releasable(
  p: PolyglotProject,
  all: PolyglotProject[],
  trainOfCrate: Map<string, string>,
): { version: string; train: string } | { why: string } {
  if (p.kind === 'cargo') {
    const python = all.find((q) => q.kind === 'python' && q.name === p.name);
    if (python) return releasable(python, all, trainOfCrate);
    const train = trainOfCrate.get(p.pkg.manifestPath) as string;
    // a crate that is never published and keeps a version of its own is no part of a release
    if (p.pkg.publish?.length === 0 && train.startsWith('project:'))
      return { why: 'publish = false, with a version of its own' };
    return { version: p.pkg.version, train };
  }
  const crate = p.pkg.maturinManifest
    ? all.find((q) => q.kind === 'cargo' && q.pkg.manifestPath === p.pkg.maturinManifest)
    : undefined;
  if (crate && crate.kind === 'cargo') {
    // maturin takes a dynamic version from the crate; a written one is versioned along with it
    return { version: p.pkg.version ?? crate.pkg.version, train: trainOfCrate.get(crate.pkg.manifestPath) as string };
  }
  if (!p.pkg.publishable) return { why: 'not a package that is built or published (package-mode / package = false)' };
  if (p.pkg.version === null) return { why: 'its version is dynamic, set by the build backend' };
  return { version: p.pkg.version, train: `project:${p.name}` };
}
