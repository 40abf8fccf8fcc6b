import { basename, dirname, resolve } from 'node:path';
import { ManifestError, Table, isTable, parseToml } from '../manifest-error';
import { backendFiles } from './package-files';

/** A dependency on a local directory, the only kind that can be a workspace edge. */
export interface PythonPathDependency {
  /** Normalized (PEP 503) distribution name. */
  name: string;
  /** Absolute directory, or null for a uv `{ workspace = true }` source (resolved by name). */
  path: string | null;
  /** The manifest key that declares it, for messages. */
  key: string;
}

/** A `[tool.uv.sources]` entry that points into the repository. */
export interface UvSource {
  /** The key as written (`core_lib`), for messages. */
  key: string;
  /** Absolute directory of a `path` source; null for `{ workspace = true }`. */
  path: string | null;
}

export type PythonTool = 'poetry' | 'uv' | 'pep517';

/** Everything the plugin needs from one pyproject.toml that declares a package. */
export interface PythonPackage {
  /** The distribution name as written. */
  name: string;
  version: string | null;
  /** Every place the version is written: `project.version`, `tool.poetry.version` (both when both exist). */
  versionKeys: Array<{ key: string; version: string }>;
  manifestPath: string;
  /** Who builds and runs it: Poetry ([tool.poetry]), uv ([tool.uv]), or plain PEP 517 tooling. */
  tool: PythonTool;
  /** Normalized names of every declared dependency, dev groups included (to find pytest, black, ruff...). */
  declared: string[];
  /**
   * Path dependencies this file locates by itself (Poetry `path`, `file:` URLs,
   * its own `[tool.uv.sources]`); a uv workspace root's sources are applied by
   * the model (python-workspaces.ts), which knows the workspace.
   */
  pathDependencies: PythonPathDependency[];
  /** PEP 621 / PEP 735 / uv requirements without a location of their own, which a uv workspace root's sources may locate. */
  unlocated: Array<{ name: string; key: string }>;
  /** False for Poetry `package-mode = false` and uv `package = false`: a project with dependencies and checks, never built or published. */
  publishable: boolean;
  /** Why some dependencies cannot be read from this file (set by a build backend from elsewhere), or null. */
  unknownDependencies: string | null;
  /** The Cargo.toml a maturin build compiles (absolute), or null when not built by maturin. */
  maturinManifest: string | null;
  /** The package's own files as its build backend selects them (package-files.ts), or null: every file of its directory. */
  backendFiles: string[] | null;
}

/** What one pyproject.toml says: a package, uv workspace settings, or only tool configuration. */
export interface PyprojectFile {
  manifestPath: string;
  /** null: no [project] and no [tool.poetry] — tool configuration only, not a package. */
  package: PythonPackage | null;
  /** `[tool.uv.workspace]`: this file is a uv workspace root. */
  uvWorkspace: { members: string[]; exclude: string[] } | null;
  /** `[tool.uv.sources]` entries pointing into the repository, by normalized name. */
  uvSources: Record<string, UvSource>;
}

/** PEP 508's distribution name, compared case-insensitively. */
const DISTRIBUTION_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** PEP 503 normalization: `Foo_Bar.baz` and `foo-bar-baz` are the same distribution. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The package a pyproject.toml declares; an error when it declares none (for callers that need one). */
export function parsePyproject(text: string, file: string): PythonPackage {
  const parsed = readPyproject(text, file);
  if (!parsed.package) {
    throw new ManifestError(
      file,
      'declares no package: it has neither [project] nor [tool.poetry]',
      'Add a [project] table with name and version',
      'project',
    );
  }
  return parsed.package;
}

export function readPyproject(text: string, file: string): PyprojectFile {
  const doc = parseToml(text, file);
  const tool = isTable(doc.tool) ? doc.tool : {};
  const uv = isTable(tool.uv) ? tool.uv : undefined;
  const dir = dirname(file);
  const uvSources = readUvSources(uv, dir, file);
  const uvWorkspace = readUvWorkspace(uv, file);
  const hasPackage = doc.project !== undefined || tool.poetry !== undefined;
  return { manifestPath: file, package: hasPackage ? readPackage(doc, file, uvSources) : null, uvWorkspace, uvSources };
}

function readPackage(doc: Table, file: string, uvSources: Record<string, UvSource>): PythonPackage {
  const dir = dirname(file);
  const project = isTable(doc.project) ? doc.project : undefined;
  const tool = isTable(doc.tool) ? doc.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : undefined;
  const uv = isTable(tool.uv) ? tool.uv : undefined;
  if (doc.project !== undefined && !project)
    throw new ManifestError(file, 'must be a table', 'Write it as a [project] section', 'project');
  const dynamic = Array.isArray(project?.dynamic)
    ? project.dynamic.filter((d): d is string => typeof d === 'string')
    : [];

  // Poetry 2 reads [project] first and falls back to [tool.poetry]; in
  // package mode false, Poetry needs no name at all.
  const packageMode = poetry?.['package-mode'] !== false && uv?.package !== false;
  let name = project?.name ?? poetry?.name;
  if (name === undefined && (!packageMode || dynamic.includes('name'))) name = basename(dir);
  if (typeof name !== 'string' || name === '') {
    throw new ManifestError(
      file,
      'has no package name: neither [project] nor [tool.poetry] sets `name`',
      'Add name = "..." under [project] (PEP 621) or [tool.poetry]',
      'project.name',
    );
  }
  // a name Poetry ignores (package mode off, no [project]) is no distribution's; every other is one
  const nameKey = project?.name !== undefined ? 'project.name' : poetry?.name !== undefined ? 'tool.poetry.name' : null;
  if (nameKey && (packageMode || nameKey === 'project.name') && !DISTRIBUTION_NAME.test(name)) {
    throw new ManifestError(
      file,
      `is not a valid distribution name (${JSON.stringify(name)}): PEP 508 allows ASCII letters and digits, with \`.\`, \`_\` and \`-\` between them (^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$, any case)`,
      'Rename it, e.g. name = "my-package"',
      nameKey,
    );
  }
  for (const [key, value] of [
    ['project.version', project?.version],
    ['tool.poetry.version', poetry?.version],
  ] as const) {
    if (value !== undefined && typeof value !== 'string')
      throw new ManifestError(
        file,
        `must be a string, not ${JSON.stringify(value)}`,
        `Write it as ${key.split('.').pop()} = "1.2.3"`,
        key,
      );
  }
  const version =
    typeof project?.version === 'string'
      ? project.version
      : typeof poetry?.version === 'string'
        ? poetry.version
        : null;

  const declared = new Set<string>();
  const pathDependencies: PythonPathDependency[] = [];
  const unlocated: Array<{ name: string; key: string }> = [];

  // PEP 621 / PEP 735 requirement strings, with uv sources giving their location
  const requirements: Array<[string, string]> = [];
  const collect = (list: unknown, key: string) => {
    if (Array.isArray(list)) for (const r of list) if (typeof r === 'string') requirements.push([r, key]);
  };
  const collectTable = (table: unknown, key: string) => {
    if (isTable(table)) for (const [extra, list] of Object.entries(table)) collect(list, `${key}.${extra}`);
  };
  collect(project?.dependencies, 'project.dependencies');
  collectTable(project?.['optional-dependencies'], 'project.optional-dependencies');
  collectTable(doc['dependency-groups'], 'dependency-groups');
  collect(uv?.['dev-dependencies'], 'tool.uv.dev-dependencies');
  // Dynamic lists that a hatch metadata hook keeps in this very file
  // (`[tool.hatch.metadata.hooks.<hook>] dependencies = [...]`, as
  // uv-dynamic-versioning does) are read there; others are unknown.
  const unknown: string[] = [];
  for (const field of ['dependencies', 'optional-dependencies'] as const) {
    if (!dynamic.includes(field)) continue;
    const hooks =
      isTable(tool.hatch) && isTable(tool.hatch.metadata) && isTable(tool.hatch.metadata.hooks)
        ? (tool.hatch.metadata.hooks as Table)
        : {};
    const inFile = Object.entries(hooks).filter(([, hook]) => isTable(hook) && hook[field] !== undefined);
    for (const [hook, section] of inFile) {
      const key = `tool.hatch.metadata.hooks.${hook}.${field}`;
      if (field === 'dependencies') collect((section as Table)[field], key);
      else collectTable((section as Table)[field], key);
    }
    if (inFile.length === 0) unknown.push(`project.${field}`);
  }
  for (const [requirement, key] of requirements) {
    const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement);
    if (!match) continue;
    const dep = normalizeName(match[1]);
    declared.add(dep);
    const fileUrl = /@\s*file:(?:\/\/)?(\S+)/.exec(requirement);
    const source = uvSources[dep];
    if (fileUrl) {
      pathDependencies.push({ name: dep, path: resolve(dir, fileUrl[1]), key });
    } else if (source) {
      pathDependencies.push({ name: dep, path: source.path, key: `tool.uv.sources.${source.key}` });
    } else {
      unlocated.push({ name: dep, key });
    }
  }

  // Poetry tables: [tool.poetry.dependencies], legacy dev-dependencies, and groups
  const poetryTables: Array<[unknown, string]> = [
    [poetry?.dependencies, 'tool.poetry.dependencies'],
    [poetry?.['dev-dependencies'], 'tool.poetry.dev-dependencies'],
  ];
  if (isTable(poetry?.group)) {
    for (const [group, section] of Object.entries(poetry.group as Table)) {
      if (isTable(section)) poetryTables.push([section.dependencies, `tool.poetry.group.${group}.dependencies`]);
    }
  }
  for (const [table, tableKey] of poetryTables) {
    if (!isTable(table)) continue;
    for (const [depName, spec] of Object.entries(table)) {
      if (normalizeName(depName) === 'python') continue;
      declared.add(normalizeName(depName));
      // a dependency may be a list of constraints for different markers
      for (const constraint of Array.isArray(spec) ? spec : [spec]) {
        if (isTable(constraint) && typeof constraint.path === 'string') {
          pathDependencies.push({
            name: normalizeName(depName),
            path: resolve(dir, constraint.path),
            key: `${tableKey}.${depName}`,
          });
        }
      }
    }
  }

  const versionKeys = [
    ...(typeof project?.version === 'string' ? [{ key: 'project.version', version: project.version }] : []),
    ...(typeof poetry?.version === 'string' ? [{ key: 'tool.poetry.version', version: poetry.version }] : []),
  ];
  return {
    name,
    version,
    versionKeys,
    manifestPath: file,
    tool: poetry ? 'poetry' : uv ? 'uv' : 'pep517',
    declared: [...declared].sort(),
    pathDependencies,
    unlocated,
    publishable: packageMode,
    unknownDependencies: unknown.length
      ? `${unknown.join(' and ')} ${unknown.length > 1 ? 'are' : 'is'} dynamic: set by the build backend outside this file`
      : null,
    maturinManifest: maturinManifest(doc, dir, file),
    backendFiles: backendFiles(doc, name),
  };
}

/** The crate a maturin build compiles: `tool.maturin.manifest-path`, else the Cargo.toml beside the pyproject. */
function maturinManifest(doc: Table, dir: string, file: string): string | null {
  const backend = isTable(doc['build-system']) ? doc['build-system']['build-backend'] : undefined;
  if (backend !== 'maturin') return null;
  const tool = isTable(doc.tool) ? doc.tool : {};
  const path = isTable(tool.maturin) ? tool.maturin['manifest-path'] : undefined;
  if (path !== undefined && typeof path !== 'string') {
    throw new ManifestError(
      file,
      'must be a string',
      'Write it as manifest-path = "rust/Cargo.toml"',
      'tool.maturin.manifest-path',
    );
  }
  return resolve(dir, path ?? 'Cargo.toml');
}

function readUvSources(uv: Table | undefined, dir: string, file: string): Record<string, UvSource> {
  const sources: Record<string, UvSource> = {};
  if (uv?.sources === undefined) return sources;
  if (!isTable(uv.sources))
    throw new ManifestError(
      file,
      'must be a table',
      'Write it as [tool.uv.sources] with name = { path = "..." } entries',
      'tool.uv.sources',
    );
  for (const [key, source] of Object.entries(uv.sources)) {
    // a list of sources for different markers: any local one makes it local
    for (const s of Array.isArray(source) ? source : [source]) {
      // resolve, not join: `path = "../core/"` is the directory ../core
      if (isTable(s) && typeof s.path === 'string') sources[normalizeName(key)] = { key, path: resolve(dir, s.path) };
      else if (isTable(s) && s.workspace === true) sources[normalizeName(key)] = { key, path: null };
    }
  }
  return sources;
}

function readUvWorkspace(uv: Table | undefined, file: string): PyprojectFile['uvWorkspace'] {
  if (uv?.workspace === undefined) return null;
  if (!isTable(uv.workspace))
    throw new ManifestError(
      file,
      'must be a table',
      'Write it as [tool.uv.workspace] with members = ["packages/*"]',
      'tool.uv.workspace',
    );
  const list = (key: 'members' | 'exclude'): string[] => {
    const value = (uv.workspace as Table)[key];
    if (value === undefined) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    throw new ManifestError(
      file,
      'must be a list of strings',
      'Write it as ["packages/*"]',
      `tool.uv.workspace.${key}`,
    );
  };
  return { members: list('members'), exclude: list('exclude') };
}
